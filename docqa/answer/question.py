"""What a question asks for: the expected answer type and its focus, in Spanish or English.

>>> analyze("¿Cuántos hospitales tiene el IMSS-Bienestar?", "es")
Analysis(type='quantity', focus=('hospitales',))
>>> analyze("how many nurses are there?", "en")
Analysis(type='quantity', focus=('nurses',))
"""

import re
from dataclasses import dataclass

from docqa.index.lexical import stopwords
from docqa.text.normalize import fold

QUANTITY, DATE, PERSON, PLACE, PERCENTAGE, NAME, DEFINITION, NONE = (
    "quantity",
    "date",
    "person",
    "place",
    "percentage",
    "name",
    "definition",
    "none",
)
# Types whose answer is one value inside the sentence (a figure, a date, a name).
TYPED = frozenset({QUANTITY, DATE, PERSON, PLACE, PERCENTAGE, NAME})

# Cue patterns over the folded question (lower case, no accents, no "¿"), most specific first:
# "¿qué porcentaje…?" is a share before it is a "qué"; "¿cuántos años…?" a quantity, not a date.
_CUES: list[tuple[str, str]] = [
    # How long something lasted is answered by the years it ran ("1975-1976").
    (DATE, r"\bcuanto\s+tiempo\b|\bhow\s+long\b"),
    (
        PERCENTAGE,
        r"\b(?:que|cual(?:es)?\s+(?:es|son|fue)\s+el|what|which)\s+(?:porcentaje|proporcion|"
        r"percentage|percent|share|proportion|fraction)\b|\bcuanto\s+por\s+ciento\b|"
        r"\bhow\s+much\s+percent\b|\bwhat\s+part\b|\bque\s+parte\b|"
        # Keyword questions: "nayarit porcentaje de medicos contratados", "hiring progress".
        r"\bporcentaje\b|\bpercentage\b|\bpercent\b|%|\bprogress\b|\bavance\b|"
        # How far along something is: "¿qué tan avanzada va la contratación?".
        r"\bavanzad[oa]s?\b|\bhow\s+far\s+along\b",
    ),
    (
        QUANTITY,
        r"\bcuant[oa]s?\b|\bhow\s+(?:many|much|big|large)\b|\b(?:numero|cantidad|cifra|"
        r"total)\s+de\b|\b(?:number|amount|total)\s+of\b|\bque\s+tan(?:tos?|tas?)?\b",
    ),
    (
        PERSON,
        r"\bquien(?:es)?\b|\bwho(?:m|se)?\b|\b(?:que|cual|what|which)\s+(?:persona|funcionari[oa]|"
        r"expert[oa]|investigador(?:a)?|director(?:a)?|president(?:e|a)?|secretari[oa]|person|"
        r"official|expert|researcher|director|head|president|secretary|minister|governor)\b",
    ),
    (
        DATE,
        r"\bcuando\b|\b(?:en|de|desde|hasta|durante|a\s+partir\s+de)\s+(?:que|cual)\s+"
        r"(?:anos?|fechas?|dias?|mes|meses|periodo|epoca|sexenio)\b|\bque\s+(?:anos?|fecha|dia)\b|"
        r"\bwhen\b|"
        r"\b(?:what|which)\s+(?:year|date|day|month|period)\b|\bduring\s+(?:what|which)\b|\bsince\s+when\b|\bhow\s+long\s+ago\b",
    ),
    (
        PLACE,
        r"\bdonde\b|\ben\s+(?:que|cual(?:es)?)\s+(?:estado|estados|lugar|lugares|ciudad|"
        r"ciudades|pais|region|municipio|entidad|entidades)\b|\bwhere\b|\b(?:in\s+)?(?:what|which)"
        r"\s+(?:state|states|place|places|city|cities|country|region|town)\b",
    ),
    # "¿Cómo se llama…?", "what was it called", "which newspaper…": a named thing (an
    # institution, a plan, a publication), not a definition.
    (
        NAME,
        r"\b(?:se\s+llama(?:ba)?|nombre|name[ds]?|called)\b|\b(?:que|cual(?:es)?|which|what)\s+"
        r"(?:(?:otr[oa]s?|other)\s+)?(?:[a-z]+\s+)?(?:organismo|institucion|dependencia|hospital|periodico|"
        r"diario|medio|modelo|programa|plan|centro|iniciativa|agency|body|institution|newspaper|"
        r"outlet|model|programme|program|plan|centre|center|organi[sz]ation|initiative|scheme)",
    ),
    (
        DEFINITION,
        r"\bque\s+(?:es|son|era|significa|incluye|incluyen|ofrece|ofrecen|hace|hacen|cubre|"
        r"abarca)\b|\ben\s+que\s+consiste\b|\bwhat\s+(?:is|are|was|does|do)\b|\bdefine\b|"
        r"\bmeaning\s+of\b|\bwhat\s+(?:services|benefits)\b",
    ),
    # Last: a keyword search for an office holder, "imss director 1991 to 1993".
    (
        PERSON,
        r"\b(?:director(?:a|es)?|president[ea]?|secretari[oa]|titular|gobernador(?:a)?|"
        r"governor|founder|fundador(?:a)?)\b",
    ),
]
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in _CUES]
_WORD = re.compile(r"[^\W\d_]+")
# Words that may stand between the cue and the thing counted ("how many more of the…").
_SKIP = frozenset(
    {"de", "del", "la", "las", "el", "los", "un", "una", "se", "ha", "han", "hay", "habia",
     "habian", "es", "son", "fue", "ya", "mas", "the", "of", "more", "are", "is", "was", "were",
     "there", "did", "does", "do", "have", "has", "had", "in", "en", "al", "le", "les", "su",
     "sus", "its", "their", "por", "ciento", "percent", "vez", "veces", "times"}
)  # fmt: skip
# Participles and gerunds ("entregado", "trabajando", "decided") are what happened, not the
# thing counted.
_VERB_FORM = re.compile(r"(?:ad[oa]s?|id[oa]s?|ando|iendo|ed|ing)$")
FOCUS_WORDS = 3
# A Spanish verb in the past: "¿con cuánto personal arrancó…?", "¿cuántos llegó a tener?".
_PRETERITE = re.compile(r"\b\w+ó\b", re.IGNORECASE)
_MONEY = re.compile(
    r"\b(?:gast\w*|invert\w*|invirt\w*|inversion\w*|cost\w*|cuesta\w*|spen[dt]\w*|invest\w*|"
    r"money|dinero|lana|presupuesto\w*|budget\w*|fund\w*|fondos?)\b"
)
CURRENCIES = ("pesos", "dolares", "dollars")
# How many words after "how much"/"cuánto" may say that money is meant.
MONEY_WINDOW = 5
# Stopword lists hold verb forms that are also what one counts ("estados": states).
_NOUNS = frozenset({"estados", "estado", "states", "state", "años", "anos", "years", "veces"})


@dataclass(frozen=True)
class Analysis:
    """A question's expected answer type and the words naming what it asks about."""

    type: str
    # The words after the quantity cue naming what is counted ("hospitales", "cuban doctors"),
    # folded.
    focus: tuple[str, ...] = ()

    @property
    def typed(self) -> bool:
        return self.type in TYPED


def _focus(rest: str, lang: str, verbs: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Up to FOCUS_WORDS content words (folded) at the start of `rest`, the text after the cue;
    `verbs` are folded words known to be verbs."""
    stop = stopwords(lang) | stopwords("en" if lang == "es" else "es")
    focus: list[str] = []
    for word in _WORD.findall(rest):
        if word in _NOUNS:
            # Words counted by themselves: "cuántos estados opera" counts states.
            focus.append(word)
            break
        if word in _SKIP and not focus:
            continue
        elif (
            word in _SKIP
            or len(word) < 3
            or _VERB_FORM.search(word)
            or word in stop
            or word in verbs
        ):
            break
        else:
            focus.append(word)
        if len(focus) == FOCUS_WORDS:
            break
    return tuple(focus)


def analyze(question: str, lang: str) -> Analysis:
    """The expected answer type of `question` (accents, case and "¿" do not matter)."""
    folded = fold(question)
    for kind, pattern in _COMPILED:
        match = pattern.search(folded)
        if match:
            if kind == QUANTITY:
                rest = folded[match.end() :]
                # An amount of money is counted in a currency, whatever the question calls it:
                # "¿cuánto se ha gastado…?", "how much money went…".
                if _MONEY.search(" ".join(rest.split()[:MONEY_WINDOW])):
                    return Analysis(kind, CURRENCIES)
                # Folding hides the accent that makes "arrancó" a verb, not a noun like "arranco".
                verbs = frozenset(fold(w) for w in _PRETERITE.findall(question))
                return Analysis(kind, _focus(rest, lang, verbs))
            return Analysis(kind)
    return Analysis(NONE)
