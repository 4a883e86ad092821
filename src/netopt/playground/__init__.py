"""``netopt playground``: the chapter as an interactive page, served locally.

A Starlette app (:mod:`netopt.playground.app`, needs the ``playground`` extra) serves one
page and streams training frames over a WebSocket; each browser tab is a
:class:`~netopt.playground.session.Session` that trains real netopt models
(:mod:`~netopt.playground.trainer`) and races netopt optimizers on 2-D surfaces
(:mod:`~netopt.playground.race`). Importing this package needs only NumPy; the web
server's modules import Starlette and uvicorn when they are imported themselves.
"""
