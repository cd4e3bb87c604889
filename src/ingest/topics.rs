//! Which topics an item belongs to: its source's topics, its feed categories that name a topic,
//! and keyword rules from the config matched in any inflected form ("Дагестан", "Дагестане",
//! "Dagestan" → dagestan), using the same stems as search.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::text::{fold, forms, words};
use crate::store::TopicRecord;

/// Built once per poll from the stored topics and the configured rules.
pub struct TopicMatcher {
    /// Folded topic slugs and names → topic id.
    names: BTreeMap<String, i64>,
    /// Per topic, its keywords, each as the forms of its words.
    rules: Vec<(i64, Vec<Vec<Vec<String>>>)>,
    slugs: BTreeMap<String, i64>,
}

fn word_forms(text: &str) -> Vec<Vec<String>> {
    words(text).map(|w| forms(&fold(w))).collect()
}

impl TopicMatcher {
    pub fn new(topics: &[TopicRecord], rules: &BTreeMap<String, Vec<String>>) -> TopicMatcher {
        let mut names = BTreeMap::new();
        let mut slugs = BTreeMap::new();
        for topic in topics {
            slugs.insert(topic.slug.to_string(), topic.id);
            for name in [
                topic.slug.to_string(),
                topic.name_ru.clone(),
                topic.name_en.clone(),
            ] {
                names.insert(fold(name.trim()), topic.id);
            }
        }
        let rules = rules
            .iter()
            .filter_map(|(slug, keywords)| {
                let id = *slugs.get(slug)?;
                Some((id, keywords.iter().map(|k| word_forms(k)).collect()))
            })
            .collect();
        TopicMatcher {
            names,
            rules,
            slugs,
        }
    }

    /// A topic id by slug.
    pub fn slug(&self, slug: &str) -> Option<i64> {
        self.slugs.get(slug).copied()
    }

    /// The topics of an item with these categories and this text.
    pub fn topics(&self, categories: &[String], text: &str) -> BTreeSet<i64> {
        let mut found: BTreeSet<i64> = categories
            .iter()
            .filter_map(|c| self.names.get(&fold(c.trim())).copied())
            .collect();
        let text_forms: BTreeSet<String> = word_forms(text).into_iter().flatten().collect();
        for (id, keywords) in &self.rules {
            let hit = keywords.iter().any(|keyword| {
                !keyword.is_empty()
                    && keyword
                        .iter()
                        .all(|word| word.iter().any(|f| text_forms.contains(f)))
            });
            if hit {
                found.insert(*id);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{TopicName, TopicSlug};

    fn topic(id: i64, slug: &str, ru: &str, en: &str) -> Option<TopicRecord> {
        Some(TopicRecord {
            id,
            slug: TopicSlug::parse(slug)?,
            name_ru: TopicName::parse(ru)?.as_str().to_string(),
            name_en: TopicName::parse(en)?.as_str().to_string(),
        })
    }

    #[test]
    fn keywords_match_in_any_form_and_categories_by_name() {
        let topics: Vec<TopicRecord> = [
            topic(1, "dagestan", "Дагестан", "Dagestan"),
            topic(2, "chechnya", "Чечня", "Chechnya"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let rules = BTreeMap::from([(
            "dagestan".to_string(),
            vec!["Дагестан".to_string(), "Dagestan".to_string()],
        )]);
        let m = TopicMatcher::new(&topics, &rules);
        assert_eq!(m.topics(&[], "Паводок в Дагестане"), BTreeSet::from([1]));
        assert_eq!(
            m.topics(&[], "Floods hit Dagestan's villages"),
            BTreeSet::from([1])
        );
        assert_eq!(m.topics(&["Чечня".into()], "Новости"), BTreeSet::from([2]));
        assert!(m.topics(&[], "Погода в Москве").is_empty());
    }
}
