//! An article as an editor types it in /post and /edit.
//!
//! The format is a block of `field: value` lines, a blank line, then the body:
//!
//! ```text
//! /post
//! title: Rights defenders declare a Krasnodar believer a political prisoner
//! lead: The arrest violates international norms, the project says.
//! topics: krasnodar, human-rights
//! lang: en
//! photo: https://example.org/photo.jpg
//! caption: The courthouse in Krasnodar
//! credit: Photo: press service
//!
//! First paragraph of the body.
//!
//! Second paragraph.
//! ```
//!
//! Field names are accepted in English and Russian. Every mistake is reported with the line it
//! is on, so the editor can fix it without guessing.

use url::Url;

use super::language::Language;
use super::rich::Rich;
use super::topic::TopicSlug;

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_LEAD_CHARS: usize = 2_000;
pub const MAX_BODY_CHARS: usize = 100_000;
pub const MAX_URL_CHARS: usize = 2_048;

/// A new article, parsed from /post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDraft {
    pub title: String,
    pub lead: String,
    /// With the editor's formatting (bold, italic, links), where their app sent it.
    pub body: Rich,
    /// `None` when the editor did not say; the chat's language is used then.
    pub language: Option<Language>,
    pub topics: Vec<TopicSlug>,
    pub url: Option<Url>,
    pub original_url: Option<Url>,
    pub photo: Option<Photo>,
    /// Breaking news overtakes routine deliveries already queued.
    pub breaking: bool,
    /// The name of a legal label from the config, instead of the newsroom's default one.
    pub label: Option<String>,
    /// The id of the article this one translates.
    pub pair: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    pub source: PhotoSource,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// Where the editor's photo is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoSource {
    /// The `photo:` line's address.
    Url(Url),
    /// The image the command came with (its caption, or the image it answers).
    Attached,
}

/// The changes /edit makes; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ArticlePatch {
    pub title: Option<String>,
    pub lead: Option<String>,
    pub body: Option<Rich>,
    pub topics: Option<Vec<TopicSlug>>,
}

impl ArticlePatch {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.lead.is_none() && self.body.is_none() && self.topics.is_none()
    }
}

/// What is wrong with a /post or /edit message. `line` counts from 1 at the line after the
/// command itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    #[error("the message is empty")]
    Empty,
    #[error("line {line}: `{text}` is not `field: value` (leave a blank line before the body)")]
    NotAField { line: usize, text: String },
    #[error("line {line}: unknown field `{field}`")]
    UnknownField { line: usize, field: String },
    #[error("line {line}: `{field}` is given twice")]
    Repeated { line: usize, field: String },
    #[error("line {line}: `{field}` does not apply to /edit")]
    NotEditable { line: usize, field: String },
    #[error("the title is missing")]
    MissingTitle,
    #[error("`{field}` is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("line {line}: `{value}` is not a language (ru or en)")]
    BadLanguage { line: usize, value: String },
    #[error("line {line}: `{value}` is not a topic name")]
    BadTopic { line: usize, value: String },
    #[error("line {line}: `{value}` is not an http(s) link")]
    BadUrl { line: usize, value: String },
    #[error("line {line}: `{value}` is not an article id")]
    NotAnId { line: usize, value: String },
    #[error("line {line}: `{value}` is not yes or no")]
    NotYesNo { line: usize, value: String },
    #[error("a caption or credit needs a photo")]
    CaptionWithoutPhoto,
    #[error("a `photo:` line and an attached image: one photo only")]
    TwoPhotos,
    #[error("nothing to change")]
    NothingToChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Lead,
    Topics,
    Language,
    Photo,
    Caption,
    Credit,
    Url,
    Original,
    Breaking,
    Label,
    Pair,
}

impl Field {
    fn parse(name: &str) -> Option<Field> {
        Some(match name.trim().to_lowercase().as_str() {
            "title" | "headline" | "заголовок" => Field::Title,
            "lead" | "лид" | "подзаголовок" => Field::Lead,
            "topics" | "topic" | "темы" | "тема" => Field::Topics,
            "lang" | "language" | "язык" => Field::Language,
            "photo" | "фото" => Field::Photo,
            "caption" | "подпись" => Field::Caption,
            "credit" | "источник фото" | "автор фото" => Field::Credit,
            "url" | "link" | "ссылка" => Field::Url,
            "original" | "оригинал" => Field::Original,
            "breaking" | "срочно" => Field::Breaking,
            "label" | "маркировка" => Field::Label,
            "pair" | "translation" | "перевод" => Field::Pair,
            _ => return None,
        })
    }
}

struct Parsed {
    fields: Vec<(Field, String, usize, String)>,
    body: Option<Rich>,
}

fn split(text: &Rich) -> Result<Parsed, DraftError> {
    let text =
        text.map_chars(|t, at, c| (c != '\r' || !t[at + 1..].starts_with('\n')).then_some(c));
    let start = text.text.len() - text.text.trim_start_matches('\n').len();
    let end = text.text.trim_end_matches('\n').len().max(start);
    let text = text.slice(start..end);
    if text.text.trim().is_empty() {
        return Err(DraftError::Empty);
    }
    let (header, body) = match text.text.find("\n\n") {
        Some(at) => {
            let body = text.slice(at + 2..text.text.len()).trim();
            (&text.text[..at], Some(body).filter(|b| !b.text.is_empty()))
        }
        None => (text.text.as_str(), None),
    };
    let mut fields: Vec<(Field, String, usize, String)> = Vec::new();
    for (index, line) in header.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some((name, value)) = line
            .split_once(':')
            .filter(|(name, _)| name.chars().count() <= 20)
        else {
            return Err(DraftError::NotAField {
                line: number,
                text: line.chars().take(40).collect(),
            });
        };
        let field = Field::parse(name).ok_or_else(|| DraftError::UnknownField {
            line: number,
            field: name.trim().to_string(),
        })?;
        if fields.iter().any(|(f, ..)| *f == field) {
            return Err(DraftError::Repeated {
                line: number,
                field: name.trim().to_string(),
            });
        }
        fields.push((
            field,
            value.trim().to_string(),
            number,
            name.trim().to_string(),
        ));
    }
    Ok(Parsed { fields, body })
}

fn bounded(field: &'static str, value: String, max: usize) -> Result<String, DraftError> {
    if value.chars().count() > max {
        return Err(DraftError::TooLong { field, max });
    }
    Ok(value)
}

fn bounded_body(value: Rich) -> Result<Rich, DraftError> {
    if value.text.chars().count() > MAX_BODY_CHARS {
        return Err(DraftError::TooLong {
            field: "body",
            max: MAX_BODY_CHARS,
        });
    }
    Ok(value)
}

fn parse_url(value: &str, line: usize) -> Result<Url, DraftError> {
    let bad = || DraftError::BadUrl {
        line,
        value: value.chars().take(80).collect(),
    };
    if value.chars().count() > MAX_URL_CHARS {
        return Err(bad());
    }
    let url = Url::parse(value).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad());
    }
    Ok(url)
}

fn parse_yes_no(value: &str, line: usize) -> Result<bool, DraftError> {
    match value.trim().to_lowercase().as_str() {
        "yes" | "true" | "y" | "да" => Ok(true),
        "no" | "false" | "n" | "нет" => Ok(false),
        _ => Err(DraftError::NotYesNo {
            line,
            value: value.chars().take(20).collect(),
        }),
    }
}

fn parse_topics(value: &str, line: usize) -> Result<Vec<TopicSlug>, DraftError> {
    let mut topics = Vec::new();
    for item in value.split([',', ' ', ';']).filter(|s| !s.is_empty()) {
        let slug = TopicSlug::parse(item).ok_or_else(|| DraftError::BadTopic {
            line,
            value: item.to_string(),
        })?;
        if !topics.contains(&slug) {
            topics.push(slug);
        }
    }
    Ok(topics)
}

impl ArticleDraft {
    /// Parses the text after `/post`.
    pub fn parse(text: &str) -> Result<ArticleDraft, DraftError> {
        ArticleDraft::parse_rich(&Rich::plain(text))
    }

    /// Parses the text after `/post` with its formatting; the body keeps it.
    pub fn parse_rich(text: &Rich) -> Result<ArticleDraft, DraftError> {
        ArticleDraft::parse_with_photo(text, false)
    }

    /// Parses the text after `/post` that came with an image (`attached`): the image is the
    /// article's photo, and `caption:` and `credit:` are its.
    pub fn parse_with_photo(text: &Rich, attached: bool) -> Result<ArticleDraft, DraftError> {
        let parsed = split(text)?;
        let mut draft = ArticleDraft {
            title: String::new(),
            lead: String::new(),
            body: bounded_body(parsed.body.unwrap_or_default())?,
            language: None,
            topics: Vec::new(),
            url: None,
            original_url: None,
            photo: None,
            breaking: false,
            label: None,
            pair: None,
        };
        let (mut caption, mut credit) = (None, None);
        for (field, value, line, _) in parsed.fields {
            match field {
                Field::Title => draft.title = bounded("title", value, MAX_TITLE_CHARS)?,
                Field::Lead => draft.lead = bounded("lead", value, MAX_LEAD_CHARS)?,
                Field::Topics => draft.topics = parse_topics(&value, line)?,
                Field::Language => {
                    draft.language = Some(
                        Language::parse(&value).ok_or(DraftError::BadLanguage { line, value })?,
                    )
                }
                Field::Photo => {
                    draft.photo = Some(Photo {
                        source: PhotoSource::Url(parse_url(&value, line)?),
                        caption: None,
                        credit: None,
                    })
                }
                Field::Caption => {
                    caption =
                        Some(bounded("caption", value, MAX_LEAD_CHARS)?).filter(|c| !c.is_empty())
                }
                Field::Credit => {
                    credit =
                        Some(bounded("credit", value, MAX_TITLE_CHARS)?).filter(|c| !c.is_empty())
                }
                Field::Url => draft.url = Some(parse_url(&value, line)?),
                Field::Original => draft.original_url = Some(parse_url(&value, line)?),
                Field::Breaking => draft.breaking = parse_yes_no(&value, line)?,
                Field::Label => draft.label = Some(value.to_lowercase()).filter(|v| !v.is_empty()),
                Field::Pair => {
                    let id = value
                        .trim()
                        .trim_start_matches('#')
                        .parse::<i64>()
                        .ok()
                        .filter(|id| *id > 0);
                    draft.pair = Some(id.ok_or(DraftError::NotAnId {
                        line,
                        value: value.clone(),
                    })?);
                }
            }
        }
        if draft.title.is_empty() {
            return Err(DraftError::MissingTitle);
        }
        match (&mut draft.photo, attached) {
            (Some(_), true) => return Err(DraftError::TwoPhotos),
            (Some(photo), false) => {
                photo.caption = caption;
                photo.credit = credit;
            }
            (None, true) => {
                draft.photo = Some(Photo {
                    source: PhotoSource::Attached,
                    caption,
                    credit,
                })
            }
            (None, false) if caption.is_some() || credit.is_some() => {
                return Err(DraftError::CaptionWithoutPhoto);
            }
            (None, false) => {}
        }
        Ok(draft)
    }
}

impl ArticlePatch {
    /// Parses the text after `/edit <id>`: any of title, lead and topics, and optionally a new
    /// body after a blank line.
    pub fn parse(text: &str) -> Result<ArticlePatch, DraftError> {
        ArticlePatch::parse_rich(&Rich::plain(text))
    }

    /// Parses the text after `/edit <id>` with its formatting; a new body keeps it. A blank
    /// line right after the command's own line means no fields: all that follows is the body.
    pub fn parse_rich(text: &Rich) -> Result<ArticlePatch, DraftError> {
        if let Some(body) = body_only(text) {
            let body = body.trim();
            if body.text.is_empty() {
                return Err(DraftError::NothingToChange);
            }
            return Ok(ArticlePatch {
                body: Some(bounded_body(body)?),
                ..ArticlePatch::default()
            });
        }
        let parsed = split(text).map_err(|e| {
            if e == DraftError::Empty {
                DraftError::NothingToChange
            } else {
                e
            }
        })?;
        let mut patch = ArticlePatch {
            body: parsed.body.map(bounded_body).transpose()?,
            ..ArticlePatch::default()
        };
        for (field, value, line, name) in parsed.fields {
            match field {
                Field::Title if value.is_empty() => return Err(DraftError::MissingTitle),
                Field::Title => patch.title = Some(bounded("title", value, MAX_TITLE_CHARS)?),
                Field::Lead => patch.lead = Some(bounded("lead", value, MAX_LEAD_CHARS)?),
                Field::Topics => patch.topics = Some(parse_topics(&value, line)?),
                _ => return Err(DraftError::NotEditable { line, field: name }),
            }
        }
        if patch.is_empty() {
            return Err(DraftError::NothingToChange);
        }
        Ok(patch)
    }
}

/// What follows a blank line that comes right after the command's own line (`/edit 12`, a
/// line break, an empty line), if that is how the text starts.
fn body_only(text: &Rich) -> Option<Rich> {
    let t = text.text.as_str();
    let own_line = t.len() - t.trim_start_matches([' ', '\t']).len();
    let rest = &t[own_line..];
    let next = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.strip_prefix('\n'))?;
    let blank = next.trim_start_matches([' ', '\t', '\r']);
    blank
        .starts_with('\n')
        .then(|| text.slice(t.len() - blank.len()..t.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_may_give_only_a_body_after_a_blank_line() -> Result<(), DraftError> {
        let patch = ArticlePatch::parse("\n\nNew first paragraph.\n\nSecond.")?;
        assert_eq!(
            patch.body.map(|b| b.text),
            Some("New first paragraph.\n\nSecond.".into())
        );
        assert!(patch.title.is_none());
        let fields = ArticlePatch::parse("\ntitle: New\n\nBody.")?;
        assert_eq!(fields.title.as_deref(), Some("New"));
        assert_eq!(
            ArticlePatch::parse("\n\n  "),
            Err(DraftError::NothingToChange)
        );
        Ok(())
    }

    const FULL: &str = "title: Blogger's case: <new> charges\nlead: Rights defenders object.\n\
        topics: azerbaijan, #Human_Rights\nlang: en\nphoto: https://example.org/p.jpg\n\
        caption: A poster\ncredit: Photo: HRH\n\nFirst paragraph.\n\nSecond paragraph.";

    #[test]
    fn a_full_post_parses_with_every_field() {
        let draft = ArticleDraft::parse(FULL).unwrap();
        assert_eq!(draft.title, "Blogger's case: <new> charges");
        assert_eq!(
            draft.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            ["azerbaijan", "human-rights"]
        );
        assert_eq!(draft.language, Some(Language::En));
        assert_eq!(draft.body.text, "First paragraph.\n\nSecond paragraph.");
        assert_eq!(draft.photo.unwrap().credit.as_deref(), Some("Photo: HRH"));
    }

    #[test]
    fn the_body_keeps_its_formatting_wherever_it_starts() -> Result<(), DraftError> {
        let typed = "title: A *ruling*\r\n\r\nThe *court* ruled.\n\nSee [it](https://ex.org).";
        let draft = ArticleDraft::parse_rich(&Rich::from_markup(typed))?;
        assert_eq!(draft.title, "A ruling");
        let styled: Vec<(&str, bool)> = draft
            .body
            .spans()
            .iter()
            .map(|s| (s.text, s.style.is_some()))
            .collect();
        assert_eq!(
            styled,
            [
                ("The ", false),
                ("court", true),
                (" ruled.\n\nSee ", false),
                ("it", true),
                (".", false)
            ]
        );
        Ok(())
    }

    #[test]
    fn an_attached_image_is_the_photo_and_takes_the_caption_lines() -> Result<(), DraftError> {
        let text = Rich::plain("title: Flood in Derbent\ncaption: The embankment\ncredit: Reader");
        let photo = ArticleDraft::parse_with_photo(&text, true)?.photo;
        assert_eq!(
            photo.as_ref().map(|p| &p.source),
            Some(&PhotoSource::Attached)
        );
        assert_eq!(
            photo.as_ref().and_then(|p| p.caption.as_deref()),
            Some("The embankment")
        );
        assert_eq!(
            photo.as_ref().and_then(|p| p.credit.as_deref()),
            Some("Reader")
        );
        let both = Rich::plain("title: x\nphoto: https://example.org/p.jpg");
        assert_eq!(
            ArticleDraft::parse_with_photo(&both, true),
            Err(DraftError::TwoPhotos)
        );
        Ok(())
    }

    #[test]
    fn russian_field_names_work() {
        let draft =
            ArticleDraft::parse("заголовок: Выборы в Дагестане\nязык: ru\nтемы: dagestan").unwrap();
        assert_eq!(draft.title, "Выборы в Дагестане");
        assert_eq!(draft.language, Some(Language::Ru));
    }

    #[test]
    fn mistakes_name_the_line_and_the_field() {
        assert_eq!(
            ArticleDraft::parse("lead: x"),
            Err(DraftError::MissingTitle)
        );
        assert_eq!(
            ArticleDraft::parse("title: x\nauthor: me"),
            Err(DraftError::UnknownField {
                line: 2,
                field: "author".into()
            })
        );
        assert!(matches!(
            ArticleDraft::parse("title: x\nlang: fr"),
            Err(DraftError::BadLanguage { line: 2, .. })
        ));
        assert!(matches!(
            ArticleDraft::parse("title: x\nphoto: ftp://x/y"),
            Err(DraftError::BadUrl { line: 2, .. })
        ));
        assert!(matches!(
            ArticleDraft::parse("title: x\njust text"),
            Err(DraftError::NotAField { line: 2, .. })
        ));
        assert_eq!(
            ArticleDraft::parse("title: x\ncaption: c"),
            Err(DraftError::CaptionWithoutPhoto)
        );
        assert_eq!(ArticleDraft::parse("  \n "), Err(DraftError::Empty));
    }

    #[test]
    fn an_edit_changes_only_what_it_names() {
        let patch = ArticlePatch::parse("title: Corrected\n\nNew body").unwrap();
        assert_eq!(patch.title.as_deref(), Some("Corrected"));
        assert_eq!(patch.body.map(|b| b.text).as_deref(), Some("New body"));
        assert_eq!(patch.lead, None);
        assert_eq!(ArticlePatch::parse(""), Err(DraftError::NothingToChange));
        assert!(matches!(
            ArticlePatch::parse("lang: ru"),
            Err(DraftError::NotEditable { .. })
        ));
    }
}
