"""Type inference over the project graph: what class (or session) a name holds.

Annotations, constructors, ``Depends`` factories, classmethods returning ``Self``,
properties, ``self.x = ...`` assignments, module-level objects and type aliases
(``NewType``, ``TypeAlias``, ``type X = ...``, ``Annotated[..., Depends(...)]``).
"""

from __future__ import annotations

from layerlint.facts import Dotted, FunctionFact, ModuleFacts, ParamFact, Value
from layerlint.project import (
    MAX_ALIAS_HOPS,
    MAX_DEPTH,
    SCOPED_SESSIONS,
    SESSION,
    SESSION_FACTORIES,
    FunctionRef,
    Project,
    is_local_name,
)


class TypeInference:
    """Infers the class of a name from annotations, constructors and factories."""

    def __init__(self, project: Project) -> None:
        self.project = project

    def of_expression(self, ref: FunctionRef, dotted: Dotted, depth: int) -> str | None:
        if depth > MAX_DEPTH or not dotted:
            return None
        head, rest = dotted[0], dotted[1:]
        base: str | None
        if head in ("self", "cls") and ref.function.class_name is not None:
            base = f"{ref.module.module}.{ref.function.class_name}"
        else:
            base = self._local(ref, head, depth)
            if base is None:
                base = self._global(ref.module, (head,), depth)
            if base is None and rest and not is_local_name(ref.function, head):
                # ``crud.item.get(...)`` after ``from app import crud``: a module path.
                return self._module_path(ref, dotted, depth)
        for attribute in rest:
            if base is None or base == SESSION:
                return None
            base = self.attribute_type(base, attribute, depth + 1)
        return base

    def _module_path(self, ref: FunctionRef, dotted: Dotted, depth: int) -> str | None:
        """The longest prefix of ``dotted`` naming a module-level object, then attributes."""
        for cut in range(len(dotted), 1, -1):
            base = self._global(ref.module, dotted[:cut], depth + 1)
            if base is None:
                continue
            for attribute in dotted[cut:]:
                if base is None or base == SESSION:
                    return None
                base = self.attribute_type(base, attribute, depth + 1)
            return base
        return None

    def _local(self, ref: FunctionRef, name: str, depth: int) -> str | None:
        fn = ref.function
        value: Value | None = None
        for local, assigned in fn.locals:
            if local == name:
                value = assigned
        if value is not None:
            return self.of_value(ref.module, value, depth + 1, ref)
        for param in fn.params:
            if param.name == name:
                return self.of_param(ref.module, param, depth + 1)
        return None

    def of_param(self, facts: ModuleFacts, param: ParamFact, depth: int) -> str | None:
        """What FastAPI injects: the dependency's type, unless the annotation says more.

        A factory typed ``-> Generator`` or ``-> Callable[..., T]`` says nothing about the
        value; the parameter's own annotation (``db: Session``) then decides.
        """
        injected = self._dependency_type(facts, param, depth + 1)
        if injected is not None and self.informative(injected):
            return injected
        if param.annotation is not None:
            annotated = self.of_annotation(facts, param.annotation, depth + 1)
            if annotated is not None:
                return annotated
        if injected is None and param.union:
            # ``session: AsyncSession | AsyncReadSession``: one type when all members agree.
            members = {self.of_annotation(facts, member, depth + 1) for member in param.union}
            if len(members) == 1:
                return members.pop()
        return injected

    def _dependency_type(self, facts: ModuleFacts, param: ParamFact, depth: int) -> str | None:
        depends = param.depends
        if depends is None:
            return None
        if depends[0] != "()":
            return self.of_call(facts, depends, depth + 1)
        # ``Depends(get_repository(Repo))``: the factory builds the dependency callable.
        built = self._built_dependency(facts, param, depth + 1)
        return built if built is not None else self.of_call(facts, depends[1:], depth + 1)

    def _built_dependency(self, facts: ModuleFacts, param: ParamFact, depth: int) -> str | None:
        """``get_repository(Repo)`` returning ``Callable[..., Repo]`` or ``Callable[..., T]``."""
        factory_call = _factory_call(param)
        if factory_call is None:
            return None
        factory = self.project.lookup_function(
            self.project.resolve_canonical(facts.module, factory_call.dotted)
        )
        if factory is not None:
            returns, produced_by = factory.function.returns, factory.function.return_args
            if returns is not None and returns[-1] == "Callable" and produced_by:
                produced = self.of_annotation(factory.module, produced_by[-1], depth + 1)
                if produced is not None and self.informative(produced):
                    return produced
        for argument in factory_call.elements:
            if argument.kind == "name":
                resolved = self.project.resolve_canonical(facts.module, argument.dotted)
                if resolved is not None and self.project.lookup_class(resolved) is not None:
                    return resolved
        return None

    def informative(self, type_name: str) -> bool:
        """A session or a class of the project: a type the rules can act on."""
        return type_name == SESSION or self.project.lookup_class(type_name) is not None

    def of_annotation(
        self, facts: ModuleFacts, annotation: Dotted, depth: int, hops: int = 0
    ) -> str | None:
        """The class an annotation names; ``hops`` counts aliases followed on the way."""
        resolved = self.project.resolve_canonical(facts.module, annotation)
        if resolved is None:
            return None
        if self.project.is_session_type(resolved):
            return SESSION
        assigned = self.project.module_assignment(resolved)
        if assigned is not None and depth <= MAX_DEPTH and hops < MAX_ALIAS_HOPS:
            aliased = self._alias_target(assigned[0], assigned[1], depth, hops + 1)
            if aliased is not None:
                return aliased
        return resolved

    def _alias_target(self, owner: ModuleFacts, value: Value, depth: int, hops: int) -> str | None:
        """What a module-level type alias stands for.

        ``X = Annotated[Session, Depends(get_db)]``, ``X = NewType("X", Session)``,
        ``X: TypeAlias = Session``, ``type X = Session`` and ``X = Session``.
        """
        if value.kind == "subscript" and value.dotted[-1:] == ("Annotated",) and value.elements:
            first = value.elements[0]
            annotated = (
                self.of_annotation(owner, first.dotted, depth, hops)
                if first.kind in ("name", "instance")
                else None
            )
            for extra in value.elements[1:]:
                if (
                    extra.kind == "call"
                    and extra.dotted[-1:] in (("Depends",), ("Security",))
                    and extra.elements
                    and extra.elements[0].kind == "name"
                ):
                    found = self.of_call(owner, extra.elements[0].dotted, depth + 1)
                    if found is not None and (self.informative(found) or annotated is None):
                        return found
            return annotated
        if value.kind == "call" and value.dotted[-1:] == ("NewType",) and len(value.elements) > 1:
            supertype = value.elements[1]
            if supertype.kind == "name":
                return self.of_annotation(owner, supertype.dotted, depth, hops)
            return None
        if value.kind == "name":
            return self.of_annotation(owner, value.dotted, depth, hops)
        return None

    def of_call(self, facts: ModuleFacts, callee: Dotted, depth: int) -> str | None:
        """Type of ``callee(...)``: a class instance, a function's return, a session."""
        resolved = self.project.resolve_canonical(facts.module, callee)
        if resolved is None or depth > MAX_DEPTH:
            return None
        if resolved in SCOPED_SESSIONS or self.project.is_session_type(resolved):
            return SESSION  # a scoped_session proxies the session's methods
        if self.project.lookup_class(resolved) is not None:
            return resolved
        owner_class, _, method = resolved.rpartition(".")
        if owner_class and self.project.lookup_class(owner_class) is not None:
            # ``Repo.from_session(session)``: a classmethod on the class itself.
            return self.method_return(owner_class, method, depth + 1)
        fn = self.project.lookup_function(resolved)
        if fn is not None:
            if fn.function.returns is not None:
                return self.of_annotation(fn.module, fn.function.returns, depth + 1)
            return None
        if self.project.factory_of(resolved) in SESSION_FACTORIES:
            return SESSION
        return None

    def of_value(
        self, facts: ModuleFacts, value: Value, depth: int, ref: FunctionRef | None = None
    ) -> str | None:
        if depth > MAX_DEPTH:
            return None
        if value.kind in ("call", "context"):
            if ref is not None and len(value.dotted) > 1:
                receiver = self.of_expression(ref, value.dotted[:-1], depth + 1)
                if receiver is not None and receiver != SESSION:
                    return self.method_return(receiver, value.dotted[-1], depth + 1)
                if receiver == SESSION:
                    return None
            return self.of_call(facts, value.dotted, depth + 1)
        if value.kind == "instance":
            return self.of_annotation(facts, value.dotted, depth + 1)
        if value.kind == "name":
            if ref is not None:
                return self.of_expression(ref, value.dotted, depth + 1)
            return self._global(facts, value.dotted, depth + 1)
        return None

    def _global(self, facts: ModuleFacts, dotted: Dotted, depth: int) -> str | None:
        assigned = self.project.assignment_of(facts.module, dotted)
        if assigned is None:
            return None
        owner, value = assigned
        return self.of_value(owner, value, depth + 1)

    def attribute_type(self, class_name: str, attribute: str, depth: int) -> str | None:
        """Type of ``instance.attribute``: class annotations, ``self.x = ...``, properties."""
        if depth > MAX_DEPTH:
            return None
        for ancestor in self.project.ancestry(class_name):
            ref = self.project.lookup_class(ancestor)
            if ref is None:
                continue
            for field in ref.cls.fields:
                if field.name == attribute and field.annotation is not None:
                    return self.of_annotation(ref.module, field.annotation, depth + 1)
            for fn in ref.module.functions:
                if fn.class_name != ref.cls.name:
                    continue
                for name, value in fn.self_attributes:
                    if name == attribute:
                        return self.of_value(
                            ref.module, value, depth + 1, FunctionRef(ref.module, fn)
                        )
            prop = ref.module.function(f"{ref.cls.name}.{attribute}")
            if prop is not None and _is_property(prop):
                method = FunctionRef(ref.module, prop)
                return self._returned_type(class_name, method, depth + 1, from_body=True)
        return None

    def method_return(self, class_name: str, method: str, depth: int) -> str | None:
        for ancestor in self.project.ancestry(class_name):
            ref = self.project.lookup_class(ancestor)
            if ref is None:
                continue
            fn = ref.module.function(f"{ref.cls.name}.{method}")
            if fn is not None:
                return self._returned_type(class_name, FunctionRef(ref.module, fn), depth + 1)
        return None

    def _returned_type(
        self, receiver: str, method: FunctionRef, depth: int, from_body: bool = False
    ) -> str | None:
        """What a method called on ``receiver`` returns (``Self``/``cls(...)`` -> receiver).

        ``from_body``: without a return annotation, the one value the body returns
        (properties are often written ``return UserRepository(self.session)``).
        """
        fn = method.function
        if _returns_own_class(fn):
            return receiver
        if fn.returns is None:
            return self._returned_value(method, depth + 1) if from_body else None
        resolved = self.project.resolve_canonical(method.module.module, fn.returns)
        if resolved in SELF_TYPES or (
            resolved is not None and self._bound_to_receiver(method, resolved, receiver)
        ):
            return receiver
        return self.of_annotation(method.module, fn.returns, depth + 1)

    def _returned_value(self, method: FunctionRef, depth: int) -> str | None:
        """An unannotated property or method returning one constructed value."""
        found: set[str] = set()
        for returned in method.function.returns_values:
            if returned.value.kind not in ("call", "name"):
                return None
            type_name = self.of_value(method.module, returned.value, depth + 1, method)
            if type_name is None:
                return None
            found.add(type_name)
        return found.pop() if len(found) == 1 else None

    def _bound_to_receiver(self, method: FunctionRef, type_var: str, receiver: str) -> bool:
        """``-> T`` where ``cls: type[T]``/``self: T`` or ``T`` is bound to the receiver's base."""
        assigned = self.project.module_assignment(type_var)
        if assigned is None or assigned[1].kind != "call":
            return False
        owner, value = assigned
        if value.dotted[-1:] != ("TypeVar",):
            return False
        params = method.function.params
        if params and method.function.class_name is not None:
            first = params[0]
            local = type_var.rsplit(".", 1)[-1]
            if first.annotation == (local,) or (local,) in first.annotation_args:
                return True
        bound = value.keyword("bound")
        if bound is None or bound.kind not in ("name", "str"):
            return False
        written = bound.dotted if bound.kind == "name" else tuple(str(bound.literal).split("."))
        bound_class = self.project.resolve_canonical(owner.module, written)
        return bound_class is not None and bound_class in self.project.ancestry(receiver)


SELF_TYPES = frozenset({"typing.Self", "typing_extensions.Self"})
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


def _is_property(fn: FunctionFact) -> bool:
    return any(
        decorator.kind == "name" and decorator.dotted[-1] in PROPERTY_DECORATORS
        for decorator in fn.decorators
        if decorator.dotted
    )


def _returns_own_class(fn: FunctionFact) -> bool:
    """A classmethod whose every return is ``cls(...)``."""
    values = fn.returns_values
    return bool(values) and all(
        returned.value.kind == "call" and returned.value.dotted == ("cls",) for returned in values
    )


def _factory_call(param: ParamFact) -> Value | None:
    """``get_repository(Repo)`` in ``= Depends(get_repository(Repo))`` (or ``Annotated``)."""
    depends = param.dependency
    if depends is None:
        return None
    target = depends.elements[0] if depends.elements else depends.keyword("dependency")
    return target if target is not None and target.kind == "call" else None
