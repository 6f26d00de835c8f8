"""``gpu-check stack`` on the CPU: the env.json record and where each
package came from."""
import json

from experiments.checks import gpu_stack


def test_the_cpus_stack_is_printed_and_written(tmp_path, capsys):
    out = tmp_path / 'stack.json'
    assert gpu_stack.main(['--device', '@numpy', '--json', str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith('stack of @numpy recorded (chainer ')
    record = json.loads(out.read_text())
    assert 'cuda' not in record and 'starts' not in record
    assert set(gpu_stack.MODULES) <= set(record['imported_from'])
    assert record['imported_from']['chainer'].endswith('__init__.py')
    assert isinstance(record['mpi_library'], str)
    assert any(line.startswith('imported_from: ') for line in lines)
