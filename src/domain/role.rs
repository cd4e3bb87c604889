//! Who may do what. Roles are ordered: each includes the rights of the ones below it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Everyone: read, search, subscribe.
    Reader,
    /// Posts, corrects and retracts articles.
    Editor,
    /// Manages roles and topics (and, later, channels, rooms and sources).
    Moderator,
    /// Named in the config; cannot be granted or revoked from a chat.
    Owner,
}

impl Role {
    /// Parses the roles that can be granted from a chat (`editor`, `moderator`, and their
    /// Russian names). `owner` is deliberately not accepted: owners live in the config.
    pub fn parse_grantable(input: &str) -> Option<Role> {
        match input.trim().to_lowercase().as_str() {
            "editor" | "редактор" => Some(Role::Editor),
            "moderator" | "модератор" => Some(Role::Moderator),
            _ => None,
        }
    }

    /// The value stored in `user_roles.role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Moderator => "moderator",
            Role::Owner => "owner",
        }
    }

    pub fn from_stored(value: &str) -> Role {
        match value {
            "editor" => Role::Editor,
            "moderator" => Role::Moderator,
            "owner" => Role::Owner,
            _ => Role::Reader,
        }
    }

    /// May an actor with this role give `role` to someone? Nobody hands out more than they have.
    pub fn may_grant(self, role: Role) -> bool {
        self >= Role::Moderator && role <= self && role != Role::Owner
    }

    /// May an actor with this role take `current` away from someone? Only from a lower role,
    /// so two moderators cannot demote each other; owners can demote anyone stored.
    pub fn may_revoke(self, current: Role) -> bool {
        self >= Role::Moderator && current < self && current != Role::Reader
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moderators_grant_up_to_their_own_role_but_revoke_only_below_it() {
        assert!(Role::Moderator.may_grant(Role::Editor));
        assert!(Role::Moderator.may_grant(Role::Moderator));
        assert!(!Role::Editor.may_grant(Role::Editor));
        assert!(Role::Moderator.may_revoke(Role::Editor));
        assert!(!Role::Moderator.may_revoke(Role::Moderator));
        assert!(Role::Owner.may_revoke(Role::Moderator));
        assert!(!Role::Owner.may_revoke(Role::Owner));
    }

    #[test]
    fn owner_cannot_be_granted_from_a_chat() {
        assert_eq!(Role::parse_grantable("owner"), None);
        assert_eq!(Role::parse_grantable("Модератор"), Some(Role::Moderator));
    }
}
