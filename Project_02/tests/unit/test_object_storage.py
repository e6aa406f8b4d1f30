"""Storage-root helpers on fsspec paths (UPath, the base of ObjectStoragePath)."""

from __future__ import annotations

from pathlib import Path

from upath import UPath

from podcast_pipeline import object_storage

# UPath is what ObjectStoragePath builds on; these helpers need nothing more.
# mypy: disable-error-code="arg-type"


def test_a_file_root_is_a_local_folder_and_a_remote_one_is_not(tmp_path: Path) -> None:
    assert object_storage.local_folder(UPath(tmp_path.as_uri())) == tmp_path
    assert object_storage.local_folder(UPath("memory://bucket/podcasts")) is None


def test_publish_then_local_copy_round_trips_through_a_remote_root(
    tmp_path: Path,
) -> None:
    local = tmp_path / "episode.mp3"
    local.write_bytes(b"ID3 audio bytes")
    target = UPath("memory://bucket/podcasts/audio/feed/episode.mp3")

    published = object_storage.publish(local, target)

    assert published.read_bytes() == b"ID3 audio bytes"
    with object_storage.local_copy(published) as copy:
        assert copy.read_bytes() == b"ID3 audio bytes"
        assert copy.name == "episode.mp3"
    assert not copy.exists()  # the temporary copy is gone


def test_default_folders_are_the_clis_and_a_private_staging_folder() -> None:
    assert object_storage.default_data_folder() == (
        Path.home() / ".local" / "share" / "podcast-pipeline"
    )
    staging = object_storage.staging_folder()
    assert staging.is_dir()
    assert staging.name == "podcast-pipeline-staging"
