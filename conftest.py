"""Root pytest configuration: applies to the notebooks that nbval collects as well as to tests/."""


def pytest_collectstart(collector):
    # TensorFlow writes its C++ log to stderr at import, and whether it appears differs between the
    # kernel that stored the outputs and nbval's kernel. Stored notebooks carry no stderr (a hygiene
    # test checks that), and nbval does not compare it.
    if getattr(collector, "path", None) is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare += ("stderr",)
