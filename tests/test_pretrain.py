"""Pretrained recipes: every recipe is a valid config, and one rebuilds into a complete folder."""

import json

import pytest

from core.config import RunConfig
from core.runs.pretrain import RECIPES, pretrain, rescore


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_is_a_valid_run_config(name):
    config = RECIPES[name].config
    assert RunConfig.from_dict(config.to_dict()) == config
    assert config.name == name


def test_recipes_cover_every_experiment():
    names = set(RECIPES)
    for dataset in ("mnist", "fashion"):
        for kind in ("mlp", "cnn"):
            assert {f"{dataset}_{kind}", f"{dataset}_{kind}_permuted"} <= names
    clock_encodings = {RECIPES[n].config.encoding for n in names if n.startswith("clock_")}
    assert {
        "regression",
        "classes-24",
        "classes-72",
        "classes-180",
        "classes-720",
        "multihead-sincos",
        "sincos",
    } <= clock_encodings


def test_recipes_never_choose_with_the_test_split():
    assert all(recipe.config.data.validation_split > 0 for recipe in RECIPES.values())


def test_quick_pretrain_installs_a_complete_run_folder(tmp_path):
    results = pretrain(["mnist_mlp"], out=tmp_path, data_source="embedded", quick=True)
    folder = tmp_path / "mnist_mlp"
    assert {"config.json", "status.json", "history.json", "metrics.json", "model.keras", "evaluation.npz"} <= {
        p.name for p in folder.iterdir()
    }
    assert json.loads((folder / "status.json").read_text())["state"] == "done"
    assert results["mnist_mlp"]["accuracy"] == json.loads((folder / "metrics.json").read_text())["accuracy"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_rescoring_evaluates_an_installed_model_again_without_training(tmp_path):
    pretrain(["mnist_mlp"], out=tmp_path, data_source="embedded", quick=True)
    folder = tmp_path / "mnist_mlp"
    metrics = json.loads((folder / "metrics.json").read_text())
    model_bytes = (folder / "model.keras").read_bytes()
    (folder / "metrics.json").write_text(json.dumps({**metrics, "accuracy": 0.0}))
    (folder / "evaluation.npz").unlink()
    assert rescore(out=tmp_path)["mnist_mlp"]["accuracy"] == pytest.approx(metrics["accuracy"])
    assert json.loads((folder / "metrics.json").read_text())["train_time_s"] == metrics["train_time_s"]
    assert (folder / "evaluation.npz").is_file() and (folder / "model.keras").read_bytes() == model_bytes


def test_rescoring_a_model_that_is_not_installed_says_how_to_build_it(tmp_path):
    with pytest.raises(ValueError, match="pretrain --only mnist_cnn"):
        rescore(["mnist_cnn"], tmp_path)


def test_unknown_recipe_is_refused():
    with pytest.raises(ValueError, match="unknown recipe 'nope'"):
        pretrain(["nope"])


def test_report_lists_every_recipe_and_judges_installed_ones(tmp_path):
    from core.runs.pretrain import report

    pretrain(["mnist_mlp"], out=tmp_path, data_source="embedded", quick=True)
    table = report(tmp_path)
    assert table.count("\n") == len(RECIPES) + 2
    assert "| `mnist_mlp` | MLP on mnist |" in table and ">= 96 %: missed" in table
    assert "| `clock_sincos` |" in table and "not trained yet" in table


def test_clock_models_learn_the_assignment_clock_first_then_the_mixed_set():
    recipe = RECIPES["clock_sincos"]
    assert recipe.warm_ups[0].data.clock_difficulty == "assignment" and recipe.config.data.clock_difficulty == "mixed"
    polar = [n for n in RECIPES if n.startswith("clock_") and RECIPES[n].config.model.preset == "compact"]
    assert len(polar) == 7 and all(RECIPES[n].config.data.clock_difficulty == "mixed" for n in polar)


def test_the_mnist_gan_is_told_the_class_and_its_plain_twin_and_the_fashion_gan_are_not():
    assert RECIPES["mnist_gan"].config.model.conditional and not RECIPES["fashion_gan"].config.model.conditional
    assert not RECIPES["mnist_gan_plain"].config.model.conditional
    assert not any(RECIPES[name].config.model.conditional for name in RECIPES if not name.endswith("_gan"))


def test_the_sincos_model_ends_with_its_grid_on_the_found_dial_on_fresh_clocks():
    recipe = RECIPES["clock_sincos"]
    assert recipe.config.model.find_dial and not any(stage.model.find_dial for stage in recipe.warm_ups)
    assert recipe.config.data.clock_seed != recipe.warm_ups[-1].data.clock_seed


def test_the_plain_cnn_learns_the_assignment_clock_turned_further_and_further_then_sincos():
    recipe = RECIPES["clock_plain_sincos"]
    turning = [stage for stage in recipe.warm_ups if stage.encoding == "multihead-sincos"]  # hour classes first
    assert [stage.data.clock_max_turn for stage in turning] == [0, 45, 90, 180]
    assert [stage.encoding for stage in recipe.warm_ups[len(turning) :]] == ["sincos"]
    assert recipe.config.data.clock_seed != recipe.warm_ups[-1].data.clock_seed  # then fresh clocks
    stages = [*recipe.warm_ups, recipe.config]
    assert all(stage.data.clock_difficulty == "assignment" and stage.data.clock_size == 150 for stage in stages)
    assert recipe.config.encoding == "sincos" and recipe.config.data.clock_max_turn == 180
    assert recipe.config.model.preset == "plain"


def test_warm_ups_train_first_each_starting_from_the_one_before(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from core.runs import training

    trained = []

    def fake_run(config, root):
        folder = root / f"run{len(trained)}"
        folder.mkdir()
        trained.append(config)
        return SimpleNamespace(path=folder, status={"state": "done"}, metrics={"epochs_run": config.epochs})

    monkeypatch.setattr(training, "run_config", fake_run)
    pretrain(["clock_plain_sincos"], out=tmp_path)
    *turning, main = trained
    assert turning[0].data.clock_max_turn == 0 and not turning[0].init_from
    assert all(stage.init_from.endswith(f"run{index}") for index, stage in enumerate(turning[1:]))
    assert main.encoding == "sincos" and main.init_from.endswith(f"run{len(turning) - 1}")
    assert (tmp_path / "clock_plain_sincos").is_dir()
