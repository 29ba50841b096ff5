"""How deep libCST's tree for some source would be, estimated from tokens alone.

libCST's native parser overflows its stack (a crash, not an exception) on deeply nested
code, its time grows much faster than linearly with nesting, and the per-file pass
recurses once per tree level. So nesting is measured before parsing. CPython's parser
cannot be the judge: it rejects syntax newer than the running interpreter (``type X =
int`` on 3.11) that libCST reads fine. This scanner reads the same tokens on every
Python version (PEP 701 f-strings included) and never decides whether code is valid:
it only estimates depth and parse work; libCST decides validity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tree levels the per-file pass handles within Python's default recursion limit, with
# margin: libCST's code generation (positions) takes about two frames a level. Its
# transformers (fixes) take more; --fix skips a file they cannot recurse through.
MAX_DEPTH = 400
# Parse work: the tree levels open at each nesting step beyond the first FREE_LEVELS,
# times BRACKET_COST for a bracket. libCST spends 2-4 µs a unit (and memory that grows
# with the square of bracket depth), so a file may use a few seconds' worth plus half a
# unit per byte of its size (ordinary code costs libCST ~10 µs a byte).
MAX_WORK = 1_000_000
FREE_LEVELS = 12
BRACKET_COST = 8

TOO_DEEP = "too deeply nested to analyse safely"

# Keywords: each is its own token (chain words nest, the others stop a call trailer).
_KEYWORDS = (
    rb"and|as|assert|async|await|break|class|continue|def|del|elif|else|except|finally|for"
    rb"|from|global|if|import|in|is|lambda|nonlocal|not|or|pass|raise|return|try|while"
    rb"|with|yield"
)
_CODE = re.compile(
    rb"""[ \t\f]*(?:
    # names, numbers and flat operators in a row change nothing but whether the last
    # token ends an operand, so they are consumed as one token
    (?P<run>(?:
        (?![bBrRuUfFtT]{0,2}['"])(?!(?:"""
    + _KEYWORDS
    + rb""")(?![\w\x80-\xff]))[A-Za-z_\x80-\xff][\w\x80-\xff]*
      | (?:\d|\.\d)(?:[eE][+-]|[\w.])*
      | (?:==|!=|<=|>=|->|\.\.\.|<(?!<)|>(?!>)|!)
    )(?:[ \t\f]*(?:
        (?![bBrRuUfFtT]{0,2}['"])(?!(?:"""
    + _KEYWORDS
    + rb""")(?![\w\x80-\xff]))[A-Za-z_\x80-\xff][\w\x80-\xff]*
      | (?:\d|\.\d)(?:[eE][+-]|[\w.])*
      | (?:==|!=|<=|>=|->|\.\.\.|<(?!<)|>(?!>)|!)
    ))*)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<sep>(?:\*\*|//|<<|>>|[-+*/%@&|^])=|=(?!=)|,|;)
  | (?P<colon>:(?!=))
  | (?P<chain>\*\*|//|<<|>>|:=|[-+*/%@&|^~.])
  | (?P<nl>\r\n|\r|\n)
  | (?P<fstart>(?:[fFtT][rR]?|[rR][fFtT])(?:'''|\"\"\"|'|\"))
  | (?P<str>[bBrRuU]{0,2}(?:
        '''(?:[^\\]|\\.)*?(?:'''|\Z)
      | \"\"\"(?:[^\\]|\\.)*?(?:\"\"\"|\Z)
      | '(?:[^\\'\r\n]|\\.)*(?:'|(?=[\r\n])|\Z)
      | \"(?:[^\\\"\r\n]|\\.)*(?:\"|(?=[\r\n])|\Z)))
  | (?P<name>[A-Za-z_\x80-\xff][\w\x80-\xff]*)
  | (?P<comment>\#[^\r\n]*)
  | (?P<cont>\\(?:\r\n|\r|\n))
  | (?P<other>.)
  | (?P<end>\Z)
)""",
    re.VERBOSE | re.DOTALL,
)
# Links that cost libCST more than most (memory, measured): lambdas and powers.
_LINK_COSTS = {b"lambda": 3, b"**": 2}
_CHAIN_WORDS = frozenset({b"and", b"or", b"not", b"lambda", b"if", b"else", b"for", b"await"})
# Words after which ``(`` or ``[`` opens a group or a literal, not a call or subscript.
_NOT_ATOMS = frozenset(
    {
        b"and", b"as", b"assert", b"async", b"await", b"break", b"class", b"continue",
        b"def", b"del", b"elif", b"else", b"except", b"finally", b"for", b"from",
        b"global", b"if", b"import", b"in", b"is", b"lambda", b"nonlocal", b"not", b"or",
        b"pass", b"raise", b"return", b"try", b"while", b"with", b"yield",
    }
)  # fmt: skip


# Last characters of a run that leave no operand behind (flat operators).
_NOT_OPERAND_ENDS = frozenset(bytes([c]) for c in b"=<>!.")


def _literal_pattern(quote: bytes) -> re.Pattern[bytes]:
    """The literal part of an f-string: up to a field, the closing quote or a bad newline."""
    q = re.escape(quote[:1])
    if len(quote) == 3:
        body = rb"[^\\{}" + q + rb"]|\\.|\{\{|\}\}|" + q + rb"(?!" + q + q + rb")"
    else:
        body = rb"[^\\{}" + q + rb"\r\n]|\\.|\{\{|\}\}"
    return re.compile(rb"(?:" + body + rb")*", re.DOTALL)


_LITERALS = {quote: _literal_pattern(quote) for quote in (b"'", b'"', b"'''", b'"""')}
# A format spec is literal text up to a nested field or the end of its own field.
_SPEC = re.compile(rb"(?:[^\\{}\r\n]|\\.|\{\{|\}\})*", re.DOTALL)
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")

# Frame kinds: the statement, a bracket, an f-string, a replacement field, a format spec.
_STATEMENT, _BRACKET, _FSTRING, _FIELD, _SPEC_FIELD = range(5)


@dataclass(frozen=True)
class Refusal:
    """Where the nesting went past what can be analysed safely, and how."""

    line: int
    message: str


class _Frame:
    __slots__ = ("best", "chain", "child", "kind", "quote", "weight")

    def __init__(self, kind: int, weight: int, quote: bytes = b"") -> None:
        self.kind = kind
        self.weight = weight
        self.quote = quote
        self.chain = 0  # left- or right-nested links in the current comma-separated part
        self.child = 0  # deepest closed child in the current part
        self.best = 0  # deepest part so far


class _TooDeep(Exception):
    pass


class _Scanner:
    """One pass over the tokens, keeping a stack of open brackets and f-string parts."""

    def __init__(self, source: bytes, max_depth: int, max_work: int) -> None:
        self.source = source
        self.max_depth = max_depth
        self.max_work = max_work
        self.frames = [_Frame(_STATEMENT, 0)]
        self.open = 0  # sum of weight + chain over open frames: the current depth
        self.work = 0
        self.line = 1
        self.reason = TOO_DEEP
        self.indents = [0]
        self.elifs = [0]
        self.line_start = True
        self.atom = False  # the previous token ends an operand (so `(` is a call)
        self.string = False  # the previous token is a string (implicit concatenation)

    # -- bookkeeping ----------------------------------------------------------------
    def _deeper(self, amount: int, cost: int = 1) -> None:
        self.open += amount
        if self.open > FREE_LEVELS:
            self.work += (self.open - FREE_LEVELS) * cost
            if self.work > self.max_work:
                self.reason = f"{TOO_DEEP} (too much nested code for libCST to parse quickly)"
                raise _TooDeep
        if self.open > self.max_depth:
            raise _TooDeep

    def _link(self, cost: int = 1) -> None:
        self.frames[-1].chain += 1
        self._deeper(1, cost)

    def _push(self, kind: int, weight: int, quote: bytes = b"") -> None:
        self.frames.append(_Frame(kind, weight, quote))
        self._deeper(weight, BRACKET_COST)

    def _end_part(self) -> None:
        top = self.frames[-1]
        if self.open + top.child > self.max_depth:
            raise _TooDeep
        top.best = max(top.best, top.chain + top.child)
        self.open -= top.chain
        top.chain = top.child = 0

    def _pop(self) -> None:
        if len(self.frames) == 1:
            return  # an unmatched closing bracket: libCST will report the syntax error
        self._end_part()
        frame = self.frames.pop()
        self.open -= frame.weight
        parent = self.frames[-1]
        parent.child = max(parent.child, frame.weight + frame.best)

    def _count_lines(self, start: int, end: int) -> None:
        chunk = self.source[start:end]
        if b"\n" in chunk or b"\r" in chunk:
            self.line += len(_LINE_BREAK.findall(chunk))

    # -- statements -------------------------------------------------------------------
    def _start_line(self, pos: int, first: bytes) -> None:
        """Indentation and ``elif`` ladders of a logical line (blocks nest in the tree)."""
        self.line_start = False
        start = self.source.rfind(b"\n", 0, pos) + 1
        start = max(start, self.source.rfind(b"\r", 0, pos) + 1)
        width = len(self.source[start:pos].expandtabs(8))
        while width < self.indents[-1] and len(self.indents) > 1:
            self.indents.pop()
            self.elifs.pop()
        if width > self.indents[-1]:
            self.indents.append(width)
            self.elifs.append(0)
        if first == b"elif":
            self.elifs[-1] += 1
        elif first != b"else":
            self.elifs[-1] = 0
        statement = self.frames[0]
        statement.weight = 2 * len(self.indents) + sum(self.elifs)
        self._deeper(statement.weight)

    def _end_line(self) -> None:
        statement = self.frames[0]
        self._end_part()
        if statement.weight + statement.best > self.max_depth:
            raise _TooDeep
        self.open -= statement.weight
        statement.weight = statement.best = 0
        self.line_start = True
        self.atom = self.string = False

    # -- the scan ---------------------------------------------------------------------
    def run(self) -> None:
        pos = 0
        size = len(self.source)
        while pos < size:
            kind = self.frames[-1].kind
            if kind == _FSTRING:
                pos = self._fstring_literal(pos)
            elif kind == _SPEC_FIELD:
                pos = self._spec_literal(pos)
            else:
                pos = self._code_token(pos)
        if not self.line_start:
            while len(self.frames) > 1:
                self._pop()
            self._end_line()

    def _code_token(self, pos: int) -> int:
        match = _CODE.match(self.source, pos)
        assert match is not None  # the pattern matches any character, and the end
        group = match.lastgroup
        end = match.end()
        if group is None or group == "end":
            return len(self.source)
        token = match.group(group)
        if group in ("nl", "cont", "comment"):
            if group != "comment":
                self.line += 1
                if group == "nl" and len(self.frames) == 1 and not self.line_start:
                    self._end_line()
            return end
        if self.line_start and len(self.frames) == 1:
            self._start_line(match.start(group), token)
        atom, string = False, False
        if group == "run":
            atom = token[-1:] not in _NOT_OPERAND_ENDS
        elif group == "name":
            if token in _CHAIN_WORDS:
                self._link(_LINK_COSTS.get(token, 1))
            atom = token not in _NOT_ATOMS
        elif group == "str":
            if self.string:
                self._link()
            self._count_lines(match.start(group), end)
            atom = string = True
        elif group == "fstart":
            if self.string:
                self._link()
            self._push(_FSTRING, 1, token.lstrip(b"fFtTrR"))
            return end
        elif group == "num":
            atom = True
        elif group == "open":
            if self.atom and token != b"{":
                self._link()  # a call or subscript wraps what came before it
                self._push(_BRACKET, 2 if token == b"(" else 3)
            else:
                self._push(_BRACKET, 2)
        elif group == "close":
            top = self.frames[-1]
            self._pop()
            if top.kind == _FIELD:
                return end  # back in the f-string's literal part
            atom = True
        elif group == "sep":
            self._end_part()
        elif group == "colon":
            if self.frames[-1].kind == _FIELD:
                self.frames[-1].kind = _SPEC_FIELD
        elif group == "chain":
            self._link(_LINK_COSTS.get(token, 1))
        self.atom, self.string = atom, string
        return end

    def _fstring_literal(self, pos: int) -> int:
        frame = self.frames[-1]
        quote = frame.quote
        end = _LITERALS[quote].match(self.source, pos).end()  # type: ignore[union-attr]
        self._count_lines(pos, end)
        if self.source.startswith(quote, end):
            self._pop()
            self.atom = self.string = True
            return end + len(quote)
        if self.source.startswith(b"{", end):
            self._push(_FIELD, 1)
            self.atom = self.string = False
            return end + 1
        if self.source.startswith(b"}", end):
            return end + 1  # a lone `}`: a syntax error libCST will report
        self._pop()  # an unterminated f-string ends at the line break (or the file's end)
        self.atom = self.string = False
        return end

    def _spec_literal(self, pos: int) -> int:
        end = _SPEC.match(self.source, pos).end()  # type: ignore[union-attr]
        if self.source.startswith(b"{", end):
            self._push(_FIELD, 1)
            return end + 1
        if self.source.startswith(b"}", end):
            self._pop()
            return end + 1
        self._pop()  # a line break or the end ends the broken field
        return end


def measure(
    source: bytes, max_depth: int = MAX_DEPTH, max_work: int | None = None
) -> Refusal | None:
    """None when libCST can parse ``source`` and layerlint walk it safely; else why not."""
    budget = MAX_WORK + len(source) // 2 if max_work is None else max_work
    scanner = _Scanner(source, max_depth, budget)
    try:
        scanner.run()
    except _TooDeep:
        return Refusal(scanner.line, scanner.reason)
    return None
