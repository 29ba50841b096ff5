"""LL705 ``jwt-without-verification``: ``jwt.decode`` that does not verify the signature or does not pin the algorithms."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from layerlint.expressions import keyword_arg, string_value
from layerlint.file_context import FileContext
from layerlint.rules._common import is_test_path
from layerlint.rules.base import Example, FileRule, OptionValue
from layerlint.syntax_tree import iter_nodes


def _is_false(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "False"


_JWT_DECODE = frozenset({"jwt.decode", "jwt.api_jwt.decode", "jose.jwt.decode"})


class JwtWithoutVerification(FileRule):
    """``jwt.decode`` that does not verify the signature or does not pin the algorithms.

    **What it does:** flags ``decode`` of PyJWT (``jwt.decode``) and python-jose
    (``jose.jwt.decode``) called with ``options={"verify_signature": False}`` or
    ``verify=False`` (reported at that argument), or without ``algorithms=`` (neither as
    a keyword nor as the third positional argument, or ``algorithms=None``; reported at
    the call). An unverified decode followed, in the same function, by a verified
    decode of the same token (peek at ``iss``/``kid``, then verify) is fine. Calls
    with ``*args``/``**kwargs`` are left alone; test modules are not checked.

    **Why is this bad?** An unverified token is just user input: anyone can write
    ``{"sub": "admin"}``. Without a pinned algorithm list the token chooses how it is
    checked (``alg: none``, or an RSA public key used as an HMAC secret).

    **Example:** ``payload = jwt.decode(token, settings.secret_key)``

    **Use instead:** ``jwt.decode(token, settings.secret_key, algorithms=["HS256"])``.
    """

    code = "LL705"
    name = "jwt-without-verification"
    message = "`jwt.decode` without `algorithms=`; pin the accepted algorithms"
    seed = "ai1-skills: core/security.py JWT utilities; fastapi-production: decode_token"
    example_path = "app/core/security.py"
    valid = (
        "import jwt\n"
        "from app.core.config import settings\n"
        "def decode_token(token: str) -> dict:\n"
        "    return jwt.decode(token, settings.secret_key, algorithms=[settings.algorithm])\n"
        "def legacy(token: str) -> dict:\n"
        "    return jwt.decode(token, settings.secret_key, ['HS256'])\n"
        "def header(token: str) -> dict:\n"
        "    return jwt.get_unverified_header(token)\n"
        "def forwarded(token: str, **kwargs: object) -> dict:\n"
        "    return jwt.decode(token, **kwargs)\n"
        "def oidc(token: str, keys: dict) -> dict:\n"
        "    issuer = jwt.decode(token, options={'verify_signature': False})['iss']\n"
        "    return jwt.decode(token, keys[issuer], algorithms=['RS256'])\n",
        Example(
            {
                "app/core/security.py": (
                    "from app.core import jwt\n"
                    "def decode(token: str) -> dict:\n"
                    "    return jwt.decode(token)\n"
                ),
                "tests/test_security.py": (
                    "import jwt\n"
                    "def test_claims(token: str) -> None:\n"
                    "    jwt.decode(token, options={'verify_signature': False})\n"
                ),
            }
        ),
    )
    invalid = (
        "import jwt\n"
        "from app.core.config import settings\n"
        "def decode_token(token: str) -> dict:\n"
        "    return jwt.decode(token, settings.secret_key)  # error\n"
        "def claims(token: str) -> dict:\n"
        "    return jwt.decode(token, options={'verify_signature': False})  # error\n",
        "from jose import jwt\n"
        "from jwt import decode\n"
        "def claims(token: str, key: str) -> dict:\n"
        "    return jwt.decode(token, key, algorithms=None)  # error\n"
        "def old(token: str, key: str) -> dict:\n"
        "    return decode(token, key, verify=False)  # error\n",
    )

    def __init__(self, options: Mapping[str, OptionValue] | None = None) -> None:
        super().__init__(options)
        self._skip = False

    def visit_Module(self, node: cst.Module, ctx: FileContext) -> None:
        self._skip = is_test_path(ctx.path)

    def visit_Call(self, node: cst.Call, ctx: FileContext) -> None:
        if self._skip:
            return
        func = node.func
        last = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if last != "decode" or ctx.qualified_name(func) not in _JWT_DECODE:
            return
        disabled = self._verification_disabled(node)
        if disabled is not None:
            if not self._verified_later(node, ctx):
                ctx.report(disabled, "`jwt.decode` with signature verification disabled")
            return
        if any(arg.star for arg in node.args):
            return
        algorithms = keyword_arg(node, "algorithms")
        if algorithms is not None:
            if isinstance(algorithms.value, cst.Name) and algorithms.value.value == "None":
                ctx.report(node)
            return
        positional = [arg for arg in node.args if arg.keyword is None]
        if len(positional) < 3:
            ctx.report(node)

    def _verified_later(self, node: cst.Call, ctx: FileContext) -> bool:
        """Peek-then-verify: the same token is decoded with verification in the function.

        Reading the unverified ``iss``/``kid`` to pick the key is how OIDC clients work.
        """
        function = getattr(ctx, "enclosing_function", None)
        token = next((arg.value for arg in node.args if arg.keyword is None), None)
        if not isinstance(function, cst.FunctionDef) or token is None:
            return False
        for other in iter_nodes(function.body, (cst.Call,)):
            if other is node or not isinstance(other, cst.Call):
                continue
            if ctx.qualified_name(other.func) not in _JWT_DECODE:
                continue
            first = next((arg.value for arg in other.args if arg.keyword is None), None)
            if first is None or not first.deep_equals(token):
                continue
            if self._verification_disabled(other) is None and (
                keyword_arg(other, "algorithms") is not None
                or len([arg for arg in other.args if arg.keyword is None]) >= 3
            ):
                return True
        return False

    @staticmethod
    def _verification_disabled(node: cst.Call) -> cst.Arg | None:
        verify = keyword_arg(node, "verify")
        if verify is not None and _is_false(verify.value):
            return verify
        options = keyword_arg(node, "options")
        if options is None:
            return None
        value = options.value
        if isinstance(value, cst.Dict):
            for element in value.elements:
                if (
                    isinstance(element, cst.DictElement)
                    and string_value(element.key) == "verify_signature"
                    and _is_false(element.value)
                ):
                    return options
        elif isinstance(value, cst.Call) and getattr(value.func, "value", None) == "dict":
            flag = keyword_arg(value, "verify_signature")
            if flag is not None and _is_false(flag.value):
                return options
        return None
