"""Dependencies handed to handlers that declare `global_dependencies` /
`router_dependencies` parameters."""

import weakref
from typing import Any, Dict


class DependencyMap:
    def __init__(self) -> None:
        self._global: Dict[str, Any] = {}
        self._by_router: "weakref.WeakKeyDictionary[Any, Dict[str, Any]]" = weakref.WeakKeyDictionary()

    def add_global_dependency(self, **dependencies: Any) -> None:
        self._global.update(dependencies)

    def add_router_dependency(self, router: Any, **dependencies: Any) -> None:
        self.get_router_dependencies(router).update(dependencies)

    def get_global_dependencies(self) -> Dict[str, Any]:
        return self._global

    def get_router_dependencies(self, router: Any) -> Dict[str, Any]:
        deps = self._by_router.get(router)
        if deps is None:
            deps = self._by_router[router] = {}
        return deps

    def get_dependency_map(self, router: Any) -> Dict[str, Dict[str, Any]]:
        """What a route registered on `router` captures (the dicts themselves, so
        later injections are visible to it)."""
        return {
            "global_dependencies": self._global,
            "router_dependencies": self.get_router_dependencies(router),
        }


# Like Robyn's default argument: every app and SubRouter built without an explicit
# map shares this one, which is what makes "global" dependencies process-wide.
DEFAULT_DEPENDENCIES = DependencyMap()
