"""All settings in one typed model, read from FILINGQA_* environment variables.

The README's settings table is this model: keep each description true.
"""

from __future__ import annotations

from functools import lru_cache

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FILINGQA_", extra="ignore")

    data_dir: str = Field(default_factory=lambda: platformdirs.user_data_dir("filingqa"), description="Where the embedded Chroma store lives.")
    chroma_url: str | None = Field(default=None, description="A Chroma server (`chroma run`) to use instead of the embedded store, e.g. http://127.0.0.1:8000.")
    api_key: str | None = Field(default=None, description="When set, uploads and deletes need `Authorization: Bearer <key>`.")
    max_upload_mb: int = Field(default=50, description="Largest upload the API accepts, in MB (413 above it).")
    max_file_mb: int = Field(default=100, description="Largest file `filingqa ingest` reads, in MB.")
    host: str = Field(default="127.0.0.1", description="Address `filingqa serve` binds.")
    port: int = Field(default=7860, description="Port `filingqa serve` listens on.")
    embed_batch: int = Field(default=64, description="Texts per embedding batch at ingest.")
    llm_url: str | None = Field(default=None, description="Optional OpenAI-compatible endpoint that may phrase narrative answers.")
    llm_model: str | None = Field(default=None, description="Model name for FILINGQA_LLM_URL.")
    cors_origins: str = Field(default="", description="Comma-separated origins allowed by CORS; empty = closed.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
