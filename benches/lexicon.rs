//! Search recall on an independent lexicon: one article per word form or spelling, queried as a
//! new reader would. The forms come from pymorphy3 and lemminflect, the transliterations from
//! iuliia and the region's press (`scripts/lexicon.sh`, `benches/lexicon/`), not from herald's
//! analyzer.
//!
//! `cargo bench --bench lexicon` prints recall per category for the dictionary form as the
//! query, form-to-form recall, cross-script recall over names, false hits, near misses kept
//! apart and unrelated words. Goals (issue 17): lemma-query recall ≥ 0.97 overall and ≥ 0.95
//! for verbs, form-to-form ≥ 0.95, cross-script ≥ 0.90, no false hits on unrelated words, the
//! near misses apart.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::Command;

use chrono::Utc;
use herald::domain::{Language, SearchQuery};
use herald::store::{NewArticle, SearchOrder, Store};

struct Case {
    kind: String,
    group: String,
    category: String,
    text: String,
}

fn cases() -> anyhow::Result<Vec<Case>> {
    let output = Command::new("scripts/lexicon.sh").output()?;
    anyhow::ensure!(
        output.status.success(),
        "scripts/lexicon.sh: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = String::from_utf8(output.stdout)?;
    let text = std::fs::read_to_string(path.trim())?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut f = line.split('\t');
            Some(Case {
                kind: f.next()?.into(),
                group: f.next()?.into(),
                category: f.next()?.into(),
                text: f.next()?.into(),
            })
        })
        .collect())
}

fn article(title: &str) -> NewArticle {
    NewArticle::text(title, "", Language::Ru, Vec::new(), Utc::now())
}

/// Ids of the articles a query finds.
async fn found(store: &Store, query: &str) -> anyhow::Result<HashSet<i64>> {
    let Ok(query) = SearchQuery::parse(query) else {
        return Ok(HashSet::new());
    };
    let hits = store.search(&query, SearchOrder::Newest, 10_000, 0).await?;
    Ok(hits.into_iter().map(|a| a.id).collect())
}

#[derive(Default)]
struct Tally {
    hit: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, hit: usize, total: usize) {
        self.hit += hit;
        self.total += total;
    }
    fn ratio(&self) -> f64 {
        self.hit as f64 / self.total.max(1) as f64
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let cases = cases()?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(
        &dir.path().join("lexicon.db"),
        herald::clock::Clock::system(),
    )
    .await?;
    // Articles: one per (group, text) of forms and spellings, one per word of a near miss.
    let mut owner: HashMap<i64, (String, String)> = HashMap::new();
    let mut members: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for case in cases
        .iter()
        .filter(|c| c.kind == "form" || c.kind == "spelling")
    {
        if !seen.insert((case.group.clone(), case.text.clone())) {
            continue;
        }
        let (id, _) = store.insert_article(&article(&case.text), 0).await?;
        owner.insert(id, (case.group.clone(), case.text.clone()));
        let key = (case.category.clone(), case.group.clone());
        members.entry(key).or_default().push(id);
    }
    let mut near_ids: HashMap<String, i64> = HashMap::new();
    for case in cases.iter().filter(|c| c.kind == "near") {
        for word in [&case.group, &case.text] {
            if !near_ids.contains_key(word.as_str()) {
                let (id, _) = store.insert_article(&article(word), 0).await?;
                owner.insert(id, (format!("near:{word}"), word.clone()));
                near_ids.insert(word.clone(), id);
            }
        }
    }
    println!("{} articles, one per form or spelling", owner.len());

    let mut lemma: BTreeMap<String, Tally> = BTreeMap::new();
    let mut form_to_form: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut false_hits: Vec<String> = Vec::new();
    for ((category, group), ids) in &members {
        let group_ids: HashSet<i64> = ids.iter().copied().collect();
        let queries: Vec<String> = if category == "name" {
            ids.iter().map(|id| owner[id].1.clone()).collect()
        } else {
            vec![group.clone()]
        };
        for query in &queries {
            let hits = found(&store, query).await?;
            let hit = group_ids.intersection(&hits).count();
            lemma
                .entry(category.clone())
                .or_default()
                .add(hit, ids.len());
            for id in group_ids.difference(&hits) {
                misses
                    .entry(category.clone())
                    .or_default()
                    .push(format!("{query}→{}", owner[id].1));
            }
            for id in hits.difference(&group_ids) {
                // The same word may stand in two groups (a given name among the names).
                if let Some((other, text)) = owner.get(id)
                    && other.trim_start_matches("near:").to_lowercase() != group.to_lowercase()
                {
                    false_hits.push(format!("{query}→{text} ({other})"));
                }
            }
        }
        if category != "name" {
            for id in ids {
                let query = &owner[id].1;
                let hits = found(&store, query).await?;
                let others = group_ids.len() - 1;
                let hit = group_ids.intersection(&hits).filter(|h| *h != id).count();
                form_to_form
                    .entry(category.clone())
                    .or_default()
                    .add(hit, others);
            }
        }
    }

    println!("\nquery by dictionary form (names: by every spelling and form), recall:");
    let mut overall = Tally::default();
    for (category, tally) in &lemma {
        println!(
            "  {category:<10} {:.3}  ({}/{})",
            tally.ratio(),
            tally.hit,
            tally.total
        );
        if category != "name" {
            overall.add(tally.hit, tally.total);
        }
    }
    println!(
        "  {:<10} {:.3}  (all but names)",
        "overall",
        overall.ratio()
    );
    println!("\nform-to-form recall:");
    let mut all = Tally::default();
    for (category, tally) in &form_to_form {
        println!("  {category:<10} {:.3}", tally.ratio());
        all.add(tally.hit, tally.total);
    }
    println!("  {:<10} {:.3}", "overall", all.ratio());
    // HERALD_BENCH_SHOW=<category> lists every miss of that category.
    let show = std::env::var("HERALD_BENCH_SHOW").unwrap_or_default();
    for (category, list) in &misses {
        let limit = if *category == show { usize::MAX } else { 12 };
        let shown: Vec<&str> = list.iter().take(limit).map(String::as_str).collect();
        println!(
            "\nmissed ({category}, {} in all): {}",
            list.len(),
            shown.join(", ")
        );
    }
    println!("\nhits outside the group: {}", false_hits.len());
    for line in false_hits.iter().take(30) {
        println!("  {line}");
    }

    println!("\nnear misses (each way must find nothing of the other):");
    let mut joined = 0;
    for case in cases.iter().filter(|c| c.kind == "near") {
        for (query, other) in [(&case.group, &case.text), (&case.text, &case.group)] {
            if found(&store, query)
                .await?
                .contains(&near_ids[other.as_str()])
            {
                joined += 1;
                println!("  JOINED {query} → {other}");
            }
        }
    }
    println!("  {joined} joined");
    let mut unrelated = 0;
    for case in cases.iter().filter(|c| c.kind == "unrelated") {
        let hits = found(&store, &case.text).await?;
        if !hits.is_empty() {
            unrelated += hits.len();
            println!("  unrelated {} found {} articles", case.text, hits.len());
        }
    }
    println!("unrelated words: {unrelated} hits");
    store.close().await;
    Ok(())
}
