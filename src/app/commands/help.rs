//! /help — the commands this person may use, with their arguments.

use rust_i18n::t;

use super::{COMMANDS, CommandError, Ctx, Reply};
use crate::domain::Role;

#[derive(Debug)]
pub struct Help;

impl Help {
    pub fn parse(_args: &str) -> Result<Help, CommandError> {
        Ok(Help)
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let mut reply = Reply::default().heading(t!("help.title", locale = l));
        for section in [Role::Reader, Role::Editor, Role::Moderator] {
            if ctx.role < section {
                break;
            }
            reply = reply.paragraph(crate::message::tr(&format!("help.section_{section}"), l));
            for (name, _) in COMMANDS.iter().filter(|(_, role)| *role == section) {
                reply = reply.item(crate::message::tr(&format!("usage.{name}"), l));
            }
        }
        Ok(reply)
    }
}
