# Static directories and file answers for the tests in tests/RobynGateway.Tests/Web.
import os
import shutil
import tempfile

from robyn import Robyn, html, serve_file, serve_html
from robyn.responses import FileResponse

app = Robyn(__file__)
HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "static_files")

app.serve_directory("/static", "static_files")  # relative: found beside this file
app.serve_directory("/site", os.path.join(FILES, "site"), index_file="index.html")
app.serve_directory("/browse", os.path.join(FILES, "browse"), show_files_listing=True)
app.serve_directory("/gone", os.path.join(HERE, "no_such_directory"))


def _links_tree() -> str:
    """A folder whose symlinks lead inside it and out of it, built fresh for each load:
    <tmp>/outside/secret.txt, and <tmp>/public/ (the mount) with real.txt, nested/deep.txt and links."""
    top = tempfile.mkdtemp(prefix="robyn-links-")
    outside = os.path.join(top, "outside")
    public = os.path.join(top, "public")
    os.makedirs(outside)
    os.makedirs(os.path.join(public, "nested"))
    with open(os.path.join(outside, "secret.txt"), "w") as f:
        f.write("outside the mount\n")
    with open(os.path.join(public, "real.txt"), "w") as f:
        f.write("inside the mount\n")
    with open(os.path.join(public, "nested", "deep.txt"), "w") as f:
        f.write("deep inside\n")
    os.symlink("real.txt", os.path.join(public, "alias.txt"))  # stays inside
    os.symlink(os.path.join(public, "nested"), os.path.join(public, "inner"))  # absolute, stays inside
    os.symlink("../outside/secret.txt", os.path.join(public, "escape.txt"))
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(public, "absolute.txt"))
    os.symlink("../outside", os.path.join(public, "out"))
    os.symlink("/etc/passwd", os.path.join(public, "passwd"))
    return top


LINKS = _links_tree()
app.serve_directory("/links", os.path.join(LINKS, "public"), show_files_listing=True)


@app.shutdown_handler
def remove_links_tree():
    shutil.rmtree(LINKS, ignore_errors=True)


# Routes under the /static prefix: what the files do not answer reaches them.
@app.post("/static/build")
def build():
    return "built"


@app.get("/static/api-thing")
def api_thing():
    return "api thing"


@app.get("/static/hello.txt")
def shadowed():
    return "python, not the file"


@app.get("/download")
def download():
    return serve_file(os.path.join(FILES, "notes.txt"))


@app.head("/download")
def download_head():
    return serve_file(os.path.join(FILES, "notes.txt"))


@app.get("/download-as")
def download_as():
    return serve_file(os.path.join(FILES, "data.json"), file_name="export.json")


@app.get("/download-missing")
def download_missing():
    return serve_file(os.path.join(FILES, "no_such_file.txt"))


@app.get("/file-with-status")
def file_with_status():
    return FileResponse(os.path.join(FILES, "notes.txt"), status_code=203)


@app.get("/page")
def page():
    return serve_html(os.path.join(FILES, "site", "about.html"))


@app.get("/inline-html")
def inline_html():
    return html("<p>inline</p>")
