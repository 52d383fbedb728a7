"""The Zenodo download against a real HTTP server on 127.0.0.1: checksum, cleanup, advice."""

import hashlib
import http.server
import socket
import threading
import zipfile
from functools import partial

import pytest

from vxai.data.download import download, md5sum
from vxai.errors import UserError


@pytest.fixture
def server(tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(served / "tiles.zip", "w") as zf:
        zf.writestr("Kather_texture_2016_image_tiles_5000/01_TUMOR/a.tif", b"x" * 5000)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", served / "tiles.zip"
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_md5(server, tmp_path):
    base, original = server
    digest = hashlib.md5(original.read_bytes()).hexdigest()
    dest = download(f"{base}/tiles.zip", tmp_path / "resources" / "kather.zip", digest, timeout=10)
    assert md5sum(dest) == digest
    assert not (tmp_path / "resources" / "kather.zip.part").exists()


def test_checksum_mismatch_removes_the_partial_file(server, tmp_path):
    base, _ = server
    dest = tmp_path / "kather.zip"
    with pytest.raises(UserError, match=r"expected 0{32}.*place it at .*kather.zip"):
        download(f"{base}/tiles.zip", dest, "0" * 32, timeout=10)
    assert list(tmp_path.iterdir()) == [tmp_path / "served"]


def test_network_error_explains_how_to_place_the_zip_by_hand(tmp_path):
    with socket.socket() as sock:  # a port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dest = tmp_path / "kather.zip"
    with pytest.raises(UserError, match="could not download .*by hand"):
        download(f"http://127.0.0.1:{port}/tiles.zip", dest, "0" * 32, timeout=5)
    assert not dest.exists() and not (tmp_path / "kather.zip.part").exists()


def test_missing_file_on_server_is_an_error(server, tmp_path):
    base, _ = server
    with pytest.raises(UserError, match="404"):
        download(f"{base}/nothing.zip", tmp_path / "kather.zip", "0" * 32, timeout=10)
    assert not any(tmp_path.glob("kather.zip*"))
