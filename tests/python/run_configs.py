"""Small run configurations shared by the tests (48-atom NaAlCl4 with the demo MTP: seconds per run)."""
import os


def nacl4_config(data_dir, out_dir, steps=200, analysis=True, trajectory_format="h5md", **md):
    d = os.path.join(data_dir, "mtp/NaAlCl4_tensornet_lev08")
    cfg = {
        "structure": {"file": os.path.join(d, "supercell_b6167.cfg"), "format": "cfg", "elements": ["Na", "Al", "Cl"]},
        "potential": {"kind": "mtp", "file": os.path.join(d, "pot.mtp"), "elements": ["Na", "Al", "Cl"]},
        "md": {"ensemble": "nvt", "timestep_fs": 1.0, "steps": steps, "temperature_K": 300.0, "tdamp_fs": 100.0,
               "velocities": "maxwell", "seed": 7},
        "output": {"directory": str(out_dir), "thermo_every": 10, "trajectory_every": 20,
                   "trajectory_format": trajectory_format, "checkpoint_every": 0},
    }
    cfg["md"].update(md)
    if analysis:
        cfg["analysis"] = {
            "sample_every": 2,
            "msd": {"elements": ["Na"]},
            "reorientation": {"centers": ["Al"], "ligands": ["Cl"]},
            "vacf": {"elements": ["Na"], "max_lag_fs": 50},
            "angular_vacf": {"centers": ["Al"], "max_lag_fs": 50},
            "orientation_density": {"centers": ["Al"], "bins": [10, 20]},
        }
    return cfg
