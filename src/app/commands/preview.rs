//! /preview <id> — editors see exactly what Telegram and Matrix subscribers get: the HTML of
//! every message part (with labels and footnotes) and Matrix's plain body.

use rust_i18n::t;

use super::article::article_id;
use super::{CommandError, Ctx, Reply};
use crate::render::{layout, matrix, telegram};

#[derive(Debug)]
pub struct Preview {
    id: i64,
}

impl Preview {
    pub fn parse(args: &str) -> Result<Preview, CommandError> {
        Ok(Preview {
            id: article_id(args).ok_or(CommandError::Usage("preview"))?,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let article = ctx
            .store()
            .article(self.id)
            .await?
            .ok_or(CommandError::NoArticle(self.id))?;
        let glossary = &ctx.settings().newsroom.glossary;
        let layout = layout::article(
            &article,
            ctx.chat.language,
            ctx.chat.time_zone.tz(),
            glossary,
        );
        let post =
            telegram::article(&layout).map_err(|e| CommandError::LabelTooLong(e.to_string()))?;
        let mut reply = Reply::default().heading(t!("preview.telegram", locale = l));
        if let Some((photo, caption)) = post.photo {
            reply = reply
                .item(t!(
                    "preview.photo",
                    locale = l,
                    url = super::article::photo_name(&photo, l)
                ))
                .paragraph(caption);
        }
        for (n, text) in post.texts.iter().enumerate() {
            let size = telegram::parsed_len(text);
            reply = reply
                .item(t!("preview.part", locale = l, n = n + 1, size = size))
                .paragraph(text.clone());
        }
        reply = reply.heading(t!("preview.matrix", locale = l));
        for message in matrix::article(&layout) {
            reply = reply.paragraph(message.body);
        }
        Ok(reply)
    }
}
