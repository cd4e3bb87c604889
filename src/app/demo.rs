//! A small demo newsroom, so a newcomer has something to read, search and subscribe to.
//!
//! Modelled on a bilingual regional news agency: regions as topics, Russian and English
//! articles, a story published in both languages with a link to the original. The texts are
//! written for herald; the people and events in them are invented.

use chrono::{DateTime, TimeZone, Utc};

use super::App;
use crate::domain::{Language, TopicName, TopicSlug};
use crate::store::NewArticle;

const TOPICS: &[(&str, &str, &str)] = &[
    ("azerbaijan", "Азербайджан", "Azerbaijan"),
    ("chechnya", "Чечня", "Chechnya"),
    ("dagestan", "Дагестан", "Dagestan"),
    ("human-rights", "Права человека", "Human rights"),
    ("ingushetia", "Ингушетия", "Ingushetia"),
    ("krasnodar", "Краснодарский край", "Krasnodar Territory"),
];

struct DemoArticle {
    at: (i32, u32, u32, u32, u32),
    language: Language,
    topics: &'static [&'static str],
    title: &'static str,
    lead: &'static str,
    body: &'static str,
    original: Option<&'static str>,
}

const ARTICLES: &[DemoArticle] = &[
    DemoArticle {
        at: (2024, 4, 17, 9, 40),
        language: Language::Ru,
        topics: &["dagestan"],
        title: "Выборы в сельские советы Дагестана перенесены на осень",
        lead: "Избирательная комиссия республики объяснила перенос паводком в горных районах.",
        body: "Голосование в двенадцати сёлах должно было пройти в мае. Комиссия сообщила, что \
               участки в горных районах недоступны после схода селей.\n\nНаблюдатели на выборах \
               прошлых лет жаловались на нехватку участков в отдалённых сёлах.",
        original: None,
    },
    DemoArticle {
        at: (2024, 4, 17, 14, 5),
        language: Language::En,
        topics: &["dagestan"],
        title: "Village council elections in Dagestan postponed until autumn",
        lead: "The republic's election commission cited floods in the mountain districts.",
        body: "Voting in twelve villages was due in May. Polling stations in the mountains cannot \
               be reached after the mudflows, the commission said.\n\nObservers at earlier elections \
               complained that remote villages had too few polling stations.",
        original: Some("https://news.example.org/ru/articles/1"),
    },
    DemoArticle {
        at: (2024, 4, 18, 11, 20),
        language: Language::Ru,
        topics: &["azerbaijan", "human-rights"],
        title: "Правозащитники призвали освободить блогера Рамиля Гусейнова",
        lead: "Новые обвинения против Гусейнова должны быть сняты, заявили в международной правозащитной организации.",
        body: "По словам правозащитников, Гусейнову не оказывают медицинскую помощь после голодовки. \
               Они также требуют расследовать его заявления о давлении в колонии.\n\nВ правящей партии \
               назвали кампанию в поддержку блогера вмешательством извне.",
        original: None,
    },
    DemoArticle {
        at: (2024, 4, 18, 16, 45),
        language: Language::En,
        topics: &["azerbaijan", "human-rights"],
        title: "Rights defenders call for the release of blogger Ramil Guseinov",
        lead: "The new charges against Guseinov must be dropped, an international human rights group said.",
        body: "Guseinov has not received medical care since his hunger strike, the rights defenders say. \
               They also demand an investigation into his complaints of pressure in the colony.\n\nThe \
               ruling party called the campaign in the blogger's support foreign interference.",
        original: Some("https://news.example.org/ru/articles/3"),
    },
    DemoArticle {
        at: (2024, 4, 18, 23, 49),
        language: Language::En,
        topics: &["krasnodar", "human-rights"],
        title: "Krasnodar believer declared a political prisoner",
        lead: "A human rights project says the extremism case against a local believer is politically motivated.",
        body: "The believer was arrested after a search of his home in Krasnodar. The project points out \
               that he is prosecuted for peaceful religious practice.\n\nHis lawyer intends to appeal the arrest.",
        original: None,
    },
    DemoArticle {
        at: (2024, 4, 19, 8, 15),
        language: Language::Ru,
        topics: &["chechnya"],
        title: "В Грозном задержали активиста, критиковавшего власти в соцсетях",
        lead: "Родственники активиста не знают, где он находится.",
        body: "Активист был задержан у своего дома утром. Правозащитники направили запрос в прокуратуру \
               республики.\n\nРанее он публиковал видео о проблемах с электроснабжением сёл.",
        original: None,
    },
    DemoArticle {
        at: (2024, 4, 19, 15, 1),
        language: Language::En,
        topics: &["ingushetia"],
        title: "Ingushetia residents protest against a landfill near Nazran",
        lead: "About two hundred people gathered to demand that the landfill be moved.",
        body: "Residents say the smell reaches schools and homes. Local officials promised to inspect the \
               site next week.\n\nThe protesters elected a group of five to negotiate with the authorities.",
        original: None,
    },
    DemoArticle {
        at: (2024, 4, 19, 16, 3),
        language: Language::Ru,
        topics: &["krasnodar"],
        title: "Жители Сочи пожаловались на вырубку леса под застройку",
        lead: "Экологи утверждают, что участок относится к охраняемой зоне.",
        body: "Местные жители записали обращение к губернатору Краснодарского края. Администрация города \
               пока не ответила на запрос редакции.",
        original: None,
    },
];

fn at((y, mo, d, h, mi): (i32, u32, u32, u32, u32)) -> DateTime<Utc> {
    // Demo times are Moscow time (UTC+3), as the newsroom writes them.
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .unwrap_or_default()
        - chrono::Duration::hours(3)
}

/// Creates the demo topics and articles; returns how many articles were added.
pub async fn load(app: &App) -> anyhow::Result<usize> {
    let store = app.store();
    for (slug, ru, en) in TOPICS {
        let (Some(slug), Some(ru), Some(en)) = (
            TopicSlug::parse(slug),
            TopicName::parse(ru),
            TopicName::parse(en),
        ) else {
            anyhow::bail!("demo topic {slug} is malformed");
        };
        if store.topic(&slug).await?.is_none() {
            store.create_topic(&slug, &ru, &en).await?;
        }
    }
    let mut articles = Vec::with_capacity(ARTICLES.len());
    for demo in ARTICLES {
        let mut topic_ids = Vec::new();
        for slug in demo.topics {
            let topic = match TopicSlug::parse(slug) {
                Some(slug) => store.topic(&slug).await?,
                None => None,
            };
            topic_ids.extend(topic.map(|t| t.id));
        }
        articles.push(NewArticle {
            title: demo.title.into(),
            lead: demo.lead.into(),
            body: demo.body.into(),
            language: demo.language,
            url: None,
            original_url: demo.original.map(String::from),
            photo: None,
            photo_caption: None,
            photo_credit: None,
            topic_ids,
            author_id: None,
            published_at: at(demo.at),
            breaking: false,
            label: None,
            pair_id: None,
        });
    }
    Ok(store.insert_articles(&articles).await?.len())
}
