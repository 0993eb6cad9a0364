"""core.lab.clock_runs: the Train panel's clock runs and its default."""

from core.config import RunConfig
from core.lab.clock_runs import BACKBONE, DEFAULTS, default_clock_run


def test_the_default_clock_run_is_a_short_sincos_run_from_the_pretrained_backbone():
    config = default_clock_run()
    assert RunConfig.from_dict(config.to_dict()) == config
    assert (config.encoding, config.model.preset, config.init_from) == ("sincos", "compact", BACKBONE)
    assert (config.data.clock_size, config.data.clock_count, config.epochs) == (75, DEFAULTS.count, 3)
