//! /search <query> [sort:new] [page:N] — full-text search of the archive.

use rust_i18n::t;

use super::{CommandError, Ctx, Reply, take_page};
use crate::app::format;
use crate::domain::SearchQuery;
use crate::store::SearchOrder;

#[derive(Debug)]
pub struct Search {
    text: String,
    query: SearchQuery,
    newest: bool,
    page: u32,
}

impl Search {
    pub fn parse(args: &str) -> Result<Search, CommandError> {
        let (rest, page) = take_page(args, "search")?;
        let mut newest = false;
        let mut words = Vec::new();
        for token in rest.split_whitespace() {
            match token.to_lowercase().as_str() {
                "sort:new" | "sort:newest" | "сорт:новые" => newest = true,
                "sort:rank" | "sort:relevance" | "сорт:релевантность" => {
                    newest = false
                }
                _ => words.push(token),
            }
        }
        if words.is_empty() {
            return Err(CommandError::Usage("search"));
        }
        let text = words.join(" ");
        let query = SearchQuery::parse(&text)?;
        Ok(Search {
            text,
            query,
            newest,
            page,
        })
    }

    pub async fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, CommandError> {
        let l = ctx.lang();
        let size = ctx.settings().search.page_size;
        let order = if self.newest {
            SearchOrder::Newest
        } else {
            let search = &ctx.settings().search;
            SearchOrder::Relevance {
                window: search.rank_window,
                span: search.rank_span,
            }
        };
        // One row more than a page tells whether a next page exists without counting matches.
        let mut found = ctx
            .store()
            .search(&self.query, order, size + 1, (self.page - 1) * size)
            .await?;
        let more = found.len() > size as usize;
        found.truncate(size as usize);
        let sort = if self.newest { " sort:new" } else { "" };
        let page = |n: u32| format!("/search {}{sort} page:{n}", self.text);
        let pages = format::Pages {
            previous: (self.page > 1).then(|| page(self.page - 1)),
            next: more.then(|| page(self.page + 1)),
        };
        let heading = t!(
            "search.heading",
            locale = l,
            query = self.text,
            page = self.page
        );
        let empty = if self.page == 1 {
            t!("search.empty", locale = l, query = self.text)
        } else {
            t!("search.no_more", locale = l)
        };
        Ok(format::list(
            ctx,
            heading.into(),
            &found,
            empty.into(),
            pages,
        ))
    }
}
