#!/usr/bin/env python3
"""Writes Examples/data/tiny-pos.tsv: a SMALL SYNTHETIC part-of-speech corpus for the tagging
example (no real tagged corpus is among the project's data sources). Sentences come from a few
templates over a fixed lexicon, seeded, so the file is reproducible. Format: token<TAB>tag,
a blank line between sentences. Tags follow the Universal Dependencies names."""
import random

random.seed(7)
L = {
    "DET": ["the", "a", "this", "every", "that"],
    "ADJ": ["quiet", "old", "clever", "small", "bright", "tired", "famous", "young"],
    "NOUN": ["dog", "reader", "garden", "letter", "house", "sister", "river", "story", "road", "window"],
    "VERB": ["sees", "writes", "finds", "keeps", "reads", "opens", "likes", "crosses"],
    "ADV": ["slowly", "often", "never", "quickly", "again"],
    "PRON": ["she", "he", "it", "they"],
    "ADP": ["near", "by", "behind", "under", "across"],
}
templates = [
    ["DET", "NOUN", "VERB", "DET", "NOUN"],
    ["DET", "ADJ", "NOUN", "VERB", "DET", "NOUN", "ADP", "DET", "NOUN"],
    ["PRON", "ADV", "VERB", "DET", "ADJ", "NOUN"],
    ["DET", "NOUN", "ADP", "DET", "NOUN", "VERB", "ADV"],
    ["PRON", "VERB", "DET", "NOUN", "CCONJ", "PRON", "VERB", "DET", "ADJ", "NOUN"],
]
out = []
for _ in range(400):
    t = random.choice(templates)
    words = [("and" if tag == "CCONJ" else random.choice(L[tag]), tag) for tag in t] + [(".", "PUNCT")]
    words[0] = (words[0][0].capitalize(), words[0][1])
    out.append("\n".join(f"{w}\t{tag}" for w, tag in words))
open("Examples/data/tiny-pos.tsv", "w").write("\n\n".join(out) + "\n")
