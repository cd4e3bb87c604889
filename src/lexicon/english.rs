//! English lemmas: irregular forms by table, the rest by the snowball stemmer (which already
//! joins regular inflections: "elections"/"elected", "arrests"/"arrested").

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Irregular verbs: base, past, past participle (alternatives separated by `/`).
const VERBS: &str = "
arise arose arisen; awake awoke awoken; be was/were been; bear bore borne/born; beat beat beaten;
become became become; begin began begun; bend bent bent; bet bet bet; bid bid bid; bind bound bound;
bite bit bitten; bleed bled bled; blow blew blown; break broke broken; breed bred bred;
bring brought brought; broadcast broadcast broadcast; build built built; burn burnt burnt;
burst burst burst; buy bought bought; cast cast cast; catch caught caught; choose chose chosen;
cling clung clung; come came come; cost cost cost; creep crept crept; cut cut cut; deal dealt dealt;
dig dug dug; do did done; draw drew drawn; dream dreamt dreamt; drink drank drunk; drive drove driven;
eat ate eaten; fall fell fallen; feed fed fed; feel felt felt; fight fought fought; find found found;
flee fled fled; fling flung flung; fly flew flown; forbid forbade forbidden; forecast forecast forecast;
forget forgot forgotten; forgive forgave forgiven; freeze froze frozen; get got got/gotten;
give gave given; go went gone; grind ground ground; grow grew grown; hang hung hung; have had had;
hear heard heard; hide hid hidden; hit hit hit; hold held held; hurt hurt hurt; keep kept kept;
kneel knelt knelt; know knew known; lay laid laid; lead led led; lean leant leant; leap leapt leapt;
learn learnt learnt; leave left left; lend lent lent; let let let; lie lay lain; light lit lit;
lose lost lost; make made made; mean meant meant; meet met met; mislead misled misled;
overcome overcame overcome; overtake overtook overtaken; overthrow overthrew overthrown; pay paid paid;
prove proved proven; put put put; quit quit quit; read read read; rebuild rebuilt rebuilt;
ride rode ridden; ring rang rung; rise rose risen; run ran run; say said said; see saw seen;
seek sought sought; sell sold sold; send sent sent; set set set; sew sewed sewn; shake shook shaken;
shed shed shed; shine shone shone; shoot shot shot; show showed shown; shrink shrank shrunk;
shut shut shut; sing sang sung; sink sank sunk; sit sat sat; slay slew slain; sleep slept slept;
slide slid slid; speak spoke spoken; speed sped sped; spend spent spent; spill spilt spilt;
spin spun spun; spit spat spat; split split split; spread spread spread; spring sprang sprung;
stand stood stood; steal stole stolen; stick stuck stuck; sting stung stung; stink stank stunk;
strike struck struck/stricken; string strung strung; strive strove striven; swear swore sworn;
sweep swept swept; swell swelled swollen; swim swam swum; swing swung swung; take took taken;
teach taught taught; tear tore torn; tell told told; think thought thought; throw threw thrown;
thrust thrust thrust; tread trod trodden; undergo underwent undergone; understand understood understood;
undertake undertook undertaken; uphold upheld upheld; upset upset upset; wake woke woken;
wear wore worn; weave wove woven; weep wept wept; win won won; wind wound wound;
withdraw withdrew withdrawn; withhold withheld withheld; withstand withstood withstood;
write wrote written";

/// Irregular plurals (and the comparatives people search by their base): base, forms.
const OTHERS: &str = "
child children; man men; woman women; person people; foot feet; tooth teeth; goose geese;
mouse mice; ox oxen; criterion criteria; phenomenon phenomena; analysis analyses; crisis crises;
thesis theses; hypothesis hypotheses; diagnosis diagnoses; appendix appendices; policeman policemen; spokesman spokesmen;
spokeswoman spokeswomen; chairman chairmen; congressman congressmen; fisherman fishermen;
gunman gunmen; serviceman servicemen; businessman businessmen; life lives; wife wives; knife knives;
wolf wolves; leaf leaves; thief thieves; half halves; shelf shelves; self selves; calf calves;
loaf loaves; good better/best; bad worse/worst; far further/farther/furthest/farthest;
many more/most; little less/least";

/// Irregular form → base form.
static IRREGULAR: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for entry in VERBS.split(';').chain(OTHERS.split(';')) {
        let mut fields = entry.split_whitespace();
        let Some(base) = fields.next() else { continue };
        for form in fields.flat_map(|f| f.split('/')) {
            if form != base {
                map.entry(form).or_insert(base);
            }
        }
    }
    map
});

/// The lemma keys of a folded Latin word: the stem of its base form, and of the word itself
/// when that differs ("lives" is a form of "life" and of "live"). "held" and "holds" both give
/// "hold"; "children" gives "child".
pub fn lemmas(word: &str) -> Vec<String> {
    let own = STEMMER.stem(word).into_owned();
    match IRREGULAR.get(word) {
        Some(base) => {
            let base = STEMMER.stem(base).into_owned();
            if base == own {
                vec![own]
            } else {
                vec![base, own]
            }
        }
        None => vec![own],
    }
}

/// Whether the word is an English word we know (a form of an irregular verb or noun), so it
/// is not taken for a name.
pub fn is_irregular_form(word: &str) -> bool {
    IRREGULAR.contains_key(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irregular_forms_meet_their_base() {
        for (form, base) in [
            ("held", "hold"),
            ("children", "child"),
            ("women", "woman"),
            ("fled", "flee"),
            ("fleeing", "flees"),
            ("arrested", "arrest"),
            ("elections", "election"),
            ("thieves", "thief"),
        ] {
            let (a, b) = (lemmas(form), lemmas(base));
            assert!(
                a.iter().any(|l| b.contains(l)),
                "{form} {a:?} / {base} {b:?}"
            );
        }
        // A form of two words meets both.
        assert!(lemmas("lives").contains(&lemmas("life")[0]));
        assert!(lemmas("lives").contains(&lemmas("live")[0]));
    }
}
