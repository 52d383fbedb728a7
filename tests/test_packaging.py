"""The README's commands, .ci/run and the two dependency lists agree."""

import re
import tomllib

import yaml

from conftest import REPO


def _name(requirement):
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"]
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip_section = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert sorted(pip_section) == sorted(deps), "environment.yml pip list differs from pyproject.toml"
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    def version(text):
        return tuple(int(part) for part in text.split("."))

    required = pyproject["project"]["requires-python"].lstrip(">=")
    assert version(python.split("=")[-1]) >= version(required)  # 3.10 sorts after 3.9
    for needed in ("tensorflow", "keras", "snakemake", "mnist1d", "jinja2", "pillow", "tqdm"):
        assert needed in {_name(d) for d in deps}


def test_readme_quick_start_and_ci_run_the_same_test_command():
    readme = (REPO / "README.md").read_text()
    assert 'pip install -e . && snakemake --cores 4' in readme
    assert 'pip install -e ".[test]" && VXAI_STRICT=1 pytest' in readme
    commands = [line for line in (REPO / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith(("#", "set ", "cd "))]
    assert commands[-1] == 'pip install -e ".[test]" && VXAI_STRICT=1 pytest'
    references = [line for line in commands[:-1] if line.startswith("pip install --no-deps ")]
    assert all(line in readme for line in references)  # the README names them too
    # otherwise only optional system packages
    assert all(line.startswith("command -v ") for line in commands[:-1] if line not in references)


def test_workflow_env_is_the_project_environment():
    env = REPO / "workflow" / "envs" / "vxai.yaml"
    assert env.resolve() == (REPO / "environment.yml").resolve()
