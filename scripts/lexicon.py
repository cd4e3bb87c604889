"""Writes the recall benchmark's cases (see scripts/lexicon.sh) to standard output.

One case per line: kind, group, category, text. Kind "form" is a word form of a lemma (the
group is the lemma); kind "spelling" a spelling of a name (the group is its Russian spelling);
"near" and "unrelated" are copied from their files for the benchmark to query.
"""

import sys
from pathlib import Path

import iuliia
import lemminflect
import pymorphy3

POS = {
    "place": {"NOUN"},
    "surname": {"NOUN"},
    "given": {"NOUN"},
    "noun": {"NOUN"},
    "verb": {"INFN"},
    "adjective": {"ADJF"},
}
SCHEMAS = ["BGN_PCGN", "GOST_779", "ICAO_DOC_9303", "WIKIPEDIA", "MVD_782", "SCIENTIFIC"]


def rows(path):
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line.split("\t")


def russian_forms(morph, lemma, tags):
    """Every form of the lexeme whose dictionary form is `lemma`, or nothing."""
    for parse in morph.parse(lemma):
        if parse.normal_form.replace("ё", "е") == lemma.lower().replace("ё", "е") and (
            parse.tag.POS in tags
        ):
            return sorted({form.word for form in parse.lexeme})
    return []


def main(data):
    morph = pymorphy3.MorphAnalyzer()
    out = []
    missing = []
    for category, lemma in rows(f"{data}/lemmas.tsv"):
        if category == "english":
            forms = {lemma}
            for tag_forms in lemminflect.getAllInflections(lemma).values():
                forms.update(tag_forms)
        else:
            forms = russian_forms(morph, lemma, POS[category])
        if not forms:
            missing.append(lemma)
            continue
        for form in sorted(forms):
            out.append(("form", lemma, category, form))
    for fields in rows(f"{data}/names.tsv"):
        russian, latin = fields[0], fields[1:]
        spellings = set(latin)
        for schema in SCHEMAS:
            spellings.add(getattr(iuliia, schema).translate(russian))
        # The reading as a name; a name the dictionary does not know stands as written.
        names = [
            p
            for p in morph.parse(russian)
            if {"Surn", "Name", "Geox"} & set(p.tag.grammemes)
            and p.normal_form == russian.lower().replace("ё", "е")
        ]
        cyrillic = set()
        if names:
            cyrillic = {form.word for form in names[0].lexeme if "plur" not in form.tag}
        for text in sorted(spellings | cyrillic | {russian.lower()}):
            out.append(("spelling", russian, "name", text))
    for a, b in rows(f"{data}/near_misses.tsv"):
        out.append(("near", a, "near", b))
    for (word,) in rows(f"{data}/unrelated.tsv"):
        out.append(("unrelated", word, "unrelated", word))
    for row in out:
        print("\t".join(row))
    if missing:
        print(f"no lexeme found for: {' '.join(missing)}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
