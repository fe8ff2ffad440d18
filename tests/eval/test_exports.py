import airpicture.eval
import airpicture.geo


def test_public_names_are_exported() -> None:
    for mod in (airpicture.eval, airpicture.geo):
        assert all(hasattr(mod, n) for n in mod.__all__)
        own = {
            n
            for n in dir(mod)
            if not n.startswith("_") and getattr(getattr(mod, n), "__module__", "").startswith(mod.__name__)
        }
        assert own <= set(mod.__all__), sorted(own - set(mod.__all__))
    assert {"score_tracks", "score_alerts", "load_reference", "read_tracks", "EvalConfig", "assign"} <= set(
        airpicture.eval.__all__
    )
