import airpicture
import airpicture.errors
import airpicture.integrity
import airpicture.sensors
import airpicture.track
import airpicture.types


def test_public_names_are_exported() -> None:
    modules = (
        airpicture,
        airpicture.errors,
        airpicture.sensors,
        airpicture.types,
        airpicture.track,
        airpicture.integrity,
    )
    for mod in modules:
        public = {
            n
            for n in dir(mod)
            if not n.startswith("_")
            and not getattr(getattr(mod, n), "__module__", "x").startswith(
                ("typing", "collections", "numpy", "dataclasses", "hashlib", "__future__", "pydantic")
            )
        }
        exported = set(mod.__all__)
        missing = {n for n in public - exported if not isinstance(getattr(mod, n), type(airpicture))}
        assert not missing, f"{mod.__name__} does not export {sorted(missing)}"
        assert all(hasattr(mod, n) for n in exported)
