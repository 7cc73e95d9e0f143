"""Executes notebooks headless with Debian's nbclient and writes each executed notebook to OUT_DIR.

usage: /usr/bin/python3 run-notebooks.py OUT_DIR NOTEBOOK...
The tslab kernel spec must be on JUPYTER_PATH; the kernel runs in the notebook's folder.
"""
import os
import sys

import nbclient
import nbformat

out_dir = sys.argv[1]
failed = 0
for path in sys.argv[2:]:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name='tslab', timeout=300, resources={'metadata': {'path': os.path.dirname(os.path.abspath(path))}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        failed += 1
        print(f'{path}: {str(error).splitlines()[-1] if str(error) else error}', file=sys.stderr)
    nbformat.write(nb, os.path.join(out_dir, os.path.basename(path)))
sys.exit(1 if failed else 0)
