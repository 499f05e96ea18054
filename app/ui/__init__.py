"""The chat UI (Gradio), mounted at /chat/ in the API's app. Gradio analytics are off."""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported, whatever the caller set


def mount_ui(app, service, settings, path: str = "/chat"):
    from filingqa.app.ui.chat import mount

    return mount(app, service, settings, path)


__all__ = ["mount_ui"]
