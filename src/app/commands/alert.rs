//! /alert <query> — deliver every new article that matches a search here;
//! /alert remove <n> — stop the n-th alert of /alerts.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply};
use crate::domain::SearchQuery;
use crate::store::AlertAdded;

#[derive(Debug)]
pub enum Alert {
    Add { text: String, query: SearchQuery },
    Remove(usize),
}

impl Alert {
    pub fn parse(args: &str) -> Result<Alert, CommandError> {
        let words: Vec<&str> = args.split_whitespace().collect();
        match words.as_slice() {
            [] => Err(CommandError::Usage("alert")),
            [verb, n] if is_remove(verb) => match n.trim_start_matches('#').parse::<usize>() {
                Ok(n) if n >= 1 => Ok(Alert::Remove(n)),
                _ => Err(CommandError::Usage("alert")),
            },
            [verb] if is_remove(verb) => Err(CommandError::Usage("alert")),
            _ => {
                // Stored as typed, spaces collapsed: /alerts shows it, and it is parsed again
                // whenever an article is matched against it.
                let text = words.join(" ");
                let query = SearchQuery::parse(&text)?;
                Ok(Alert::Add { text, query })
            }
        }
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let limit = ctx.settings().search.alerts_per_chat as usize;
        match self {
            Alert::Add { text, query } => {
                let added = ctx
                    .store()
                    .add_alert(ctx.chat.id, &text, &query, limit)
                    .await?;
                Ok(match added {
                    AlertAdded::Added(count) => Reply::text(t!(
                        "alert.added",
                        locale = l,
                        query = text,
                        count = count,
                        limit = limit
                    ))
                    .hint(t!("alert.hint", locale = l)),
                    AlertAdded::Already => {
                        Reply::text(t!("alert.already", locale = l, query = text))
                    }
                    AlertAdded::Full => Reply::text(t!("alert.full", locale = l, limit = limit)),
                })
            }
            Alert::Remove(n) => {
                let alerts = ctx.store().alerts(ctx.chat.id).await?;
                let Some(alert) = alerts.get(n - 1) else {
                    return Ok(Reply::text(t!("alert.no_such", locale = l, n = n)));
                };
                ctx.store().remove_alert(ctx.chat.id, alert.id).await?;
                Ok(Reply::text(t!(
                    "alert.removed",
                    locale = l,
                    query = alert.query
                )))
            }
        }
    }
}

fn is_remove(word: &str) -> bool {
    matches!(
        word.to_lowercase().as_str(),
        "remove" | "delete" | "rm" | "удалить" | "убрать"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_kept_as_typed_and_removal_takes_a_number() {
        assert!(matches!(
            Alert::parse("  Гусейнов   OR  Huseynov "),
            Ok(Alert::Add { text, .. }) if text == "Гусейнов OR Huseynov"
        ));
        assert!(matches!(Alert::parse("remove 2"), Ok(Alert::Remove(2))));
        assert!(matches!(Alert::parse("удалить #1"), Ok(Alert::Remove(1))));
        assert!(matches!(Alert::parse("remove 0"), Err(CommandError::Usage("alert"))));
        assert!(matches!(Alert::parse("remove"), Err(CommandError::Usage("alert"))));
        assert!(matches!(Alert::parse(""), Err(CommandError::Usage("alert"))));
        assert!(matches!(Alert::parse("-полиция"), Err(CommandError::Query(_))));
    }
}
