"""Hypothesis strategies for text that sentence splitting and chunking must survive."""

from hypothesis import strategies as st

from docqa.text.sentences import MAX_BLOCK_CHARS

# A random piece repeated makes a long line far faster than hypothesis draws one long string.
_PIECE = st.text(st.characters(blacklist_characters="\n"), min_size=1, max_size=80)
_LONG_LINE = st.tuples(_PIECE, st.integers(1, 3 * MAX_BLOCK_CHARS)).map(
    lambda piece: (piece[0] * piece[1])[: 3 * MAX_BLOCK_CHARS]
)
# Any Unicode at all, with some lines several times longer than the blocks pysbd is given.
ANY_TEXT = st.lists(st.one_of(st.text(max_size=200), _LONG_LINE), min_size=1, max_size=4).map(
    "\n".join
)
