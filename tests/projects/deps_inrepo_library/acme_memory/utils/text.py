try:
    import spacy
except ImportError:
    spacy = None


def lemmas(text: str) -> list[str]:
    if spacy is None:
        return text.split()
    return [t.lemma_ for t in spacy.blank("en")(text)]
