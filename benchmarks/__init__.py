"""precisemkt benchmark suites: ``python -m benchmarks [suite ...] --quick|--full``."""
