"""A one-node SLURM cluster on 127.0.0.1 for tests, every file under one folder: munged,
MariaDB and slurmdbd (so that `sacct` lists the jobs), slurmctld and slurmd, from Debian's
munge, mariadb-server, slurmdbd and slurm-wlm packages.

The job steps that snakemake-executor-plugin-slurm starts inside each job drop SLURM_CONF
and look for /etc/slurm/slurm.conf, so the cluster links its configuration there for its
lifetime; it refuses to start where that file already exists.

The node claims 8 CPUs, 64 GB and one GPU (a generic resource on /dev/null) so that the jobs
of `workflow/profiles/slurm` fit as written; they run on the machine's real cores.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

PROGRAMS = ("munged", "mariadb-install-db", "mariadbd", "slurmdbd", "slurmctld", "slurmd",
            "sacctmgr", "sbatch", "sacct", "sinfo")

SLURM_CONF = """\
ClusterName=vxai-test
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
AuthType=auth/munge
AuthInfo=socket={root}/munge.socket
CredType=cred/munge
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost={host}
AccountingStoragePort={dbd_port}
AccountingStoragePass={root}/munge.socket
AccountingStoreFlags=job_comment
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=3600
MpiDefault=none
GresTypes=gpu
NodeName={host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=64000 Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes={host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={host} MaxTime=INFINITE State=UP
"""

SYSTEM_CONF = Path("/etc/slurm/slurm.conf")

GRES_CONF = "NodeName={host} Name=gpu File=/dev/null\n"

SLURMDBD_CONF = """\
AuthType=auth/munge
AuthInfo=socket={root}/munge.socket
DbdHost={host}
DbdAddr=127.0.0.1
DbdPort={dbd_port}
SlurmUser=root
PidFile={root}/slurmdbd.pid
LogFile={root}/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
"""


def missing_tools():
    """Why the cluster cannot start here (programs not installed, ...), or an empty list."""
    missing = [name for name in PROGRAMS if shutil.which(name) is None
               and not os.path.exists(f"/usr/sbin/{name}")]
    if not missing and os.geteuid() != 0:
        return ["root (slurmd must start jobs as the submitting user)"]
    if not missing and (SYSTEM_CONF.exists() or SYSTEM_CONF.is_symlink()) and not _left_over():
        return [f"a free {SYSTEM_CONF} (this machine has a SLURM configuration of its own)"]
    return missing


def _left_over():
    """Whether /etc/slurm/slurm.conf is a link left by an earlier, interrupted test cluster."""
    if not SYSTEM_CONF.is_symlink():
        return False
    target = SYSTEM_CONF.resolve()
    return not target.exists() or target.read_text().startswith("ClusterName=vxai-test")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _program(name):
    return shutil.which(name) or f"/usr/sbin/{name}"


def _wait(check, what, timeout):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} after {timeout} s")
        time.sleep(0.5)


def _start(root, env, timeout, started):
    """Start the daemons in order, adding the pid file of each to `started`."""

    def run(*command):
        subprocess.run([_program(command[0]), *command[1:]], env=env, check=True,
                       capture_output=True, timeout=timeout)

    run("munged", f"--key-file={root}/munge.key", f"--socket={root}/munge.socket",
        f"--pid-file={root}/munged.pid", f"--log-file={root}/munged.log",
        f"--seed-file={root}/munged.seed", "--force")
    started.append(root / "munged.pid")
    run("mariadb-install-db", f"--datadir={root}/db", "--user=root",
        "--auth-root-authentication-method=socket", "--skip-test-db")
    subprocess.Popen([_program("mariadbd"), f"--datadir={root}/db", f"--socket={root}/mysql.sock",
                      "--skip-networking", "--user=root", f"--pid-file={root}/mysql.pid",
                      f"--log-error={root}/mysql.log"], env=env, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    started.append(root / "mysql.pid")
    _wait((root / "mysql.sock").exists, "MariaDB has no socket", timeout)
    run("slurmdbd")
    started.append(root / "slurmdbd.pid")
    _wait(lambda: subprocess.run(["sacctmgr", "-n", "list", "cluster"], env=env,
                                 capture_output=True, timeout=timeout).returncode == 0,
          "slurmdbd does not answer", timeout)
    run("sacctmgr", "-i", "add", "cluster", "vxai-test")
    run("slurmctld", "-f", env["SLURM_CONF"])
    started.append(root / "slurmctld.pid")
    run("slurmd", "-f", env["SLURM_CONF"])
    started.append(root / "slurmd.pid")

    def node_idle():
        state = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], env=env, capture_output=True,
                               text=True, timeout=timeout).stdout
        return state.startswith("idle")

    _wait(node_idle, "the SLURM node is not idle", timeout)


@contextlib.contextmanager
def local_cluster(root, timeout=60):
    """Start the cluster with its files under `root`; yield the environment (SLURM_CONF and
    MYSQL_UNIX_PORT set) in which sbatch, squeue and sacct reach it. Raises RuntimeError,
    with the daemons' logs, where it does not come up."""
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    host = socket.gethostname().split(".")[0]
    for folder in ("state", "spool"):
        (root / folder).mkdir(exist_ok=True)
    key = root / "munge.key"
    key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o600)
    ports = {"ctld_port": _free_port(), "slurmd_port": _free_port(), "dbd_port": _free_port()}
    (root / "slurm.conf").write_text(SLURM_CONF.format(host=host, root=root, **ports))
    (root / "gres.conf").write_text(GRES_CONF.format(host=host))
    dbd_conf = root / "slurmdbd.conf"
    dbd_conf.write_text(SLURMDBD_CONF.format(host=host, root=root, **ports))
    os.chmod(dbd_conf, 0o600)
    env = {**os.environ, "SLURM_CONF": str(root / "slurm.conf"),
           "MYSQL_UNIX_PORT": str(root / "mysql.sock")}
    started = []
    SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
    if _left_over():
        SYSTEM_CONF.unlink()
    SYSTEM_CONF.symlink_to(root / "slurm.conf")
    try:
        try:
            _start(root, env, timeout, started)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, RuntimeError) as error:
            logs = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}"
                             for log in sorted(root.glob("*.log")))
            detail = getattr(error, "stderr", b"") or b""
            raise RuntimeError(f"{error} {detail.decode(errors='replace')}\n{logs}") from error
        yield env
    finally:
        SYSTEM_CONF.unlink()
        for pid_file in reversed(started):
            with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
