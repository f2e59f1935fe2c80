"""The ``moodify-edge`` command line: run the service, detect once, check the setup, print the version.

``--config PATH`` goes before or after the command (``moodify-edge doctor --config X`` and
``moodify-edge --config X doctor`` are the same). Every command keeps LiteRT's native start-up line quiet
(:func:`moodify_edge.classifier.quiet_delegate_notice`). :func:`run_url` is the address ``run`` will serve
(``scripts/demo.sh`` prints it).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys

from . import __version__
from . import config as config_module
from .config import EX_CONFIG, Config, ConfigError

EX_USAGE = 64
EX_UNAVAILABLE = 69


def _config_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        default=default,
        help=f"TOML config file (default: ${config_module.ENV_VAR}, else {config_module.DEFAULT_PATH} if present)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="moodify-edge", description="Emotion-to-music kiosk for the Raspberry Pi.")
    _config_option(parser, None)
    # The same option after the command; SUPPRESS keeps a --config given before the command when none follows.
    after = argparse.ArgumentParser(add_help=False)
    _config_option(after, argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the kiosk service", parents=[after])
    run.add_argument("--demo", action="store_true", help="sample faces as the camera, offline music, no GPIO")
    run.add_argument("--host", help="override web.host")
    run.add_argument("--port", type=int, help="override web.port")

    detect = commands.add_parser(
        "detect", help="one detection run from a camera or file; prints the result", parents=[after]
    )
    detect.add_argument("--source", help='"picam", "usb:N", "/dev/videoN", "demo", or a video/image/folder path')
    detect.add_argument("--seconds", type=float, help="length of the run (default: detection.seconds)")
    detect.add_argument("--max-frames", type=int, help="stop after this many frames")
    detect.add_argument("--json", action="store_true", help="print the result as JSON")
    detect.add_argument("--frames", action="store_true", help="include the per-frame records (with --json)")

    commands.add_parser("doctor", help="check camera, model, GPIO, web port, Spotify and the kiosk", parents=[after])
    commands.add_parser("version", help="print the version", parents=[after])
    return parser


def _detect(config: Config, args: argparse.Namespace) -> int:
    from .capture import CameraError
    from .runs import detect_once

    mistake = (
        "--seconds must be above 0"
        if args.seconds is not None and args.seconds <= 0
        else "--max-frames must be above 0"
        if args.max_frames is not None and args.max_frames <= 0
        else "--frames needs --json"
        if args.frames and not args.json
        else None
    )
    if mistake:
        print(f"moodify-edge detect: {mistake}", file=sys.stderr)
        return EX_USAGE
    try:
        result = detect_once(config, source=args.source, seconds=args.seconds, max_frames=args.max_frames)
    except CameraError as exc:
        print(f"moodify-edge detect: {exc}", file=sys.stderr)
        return EX_UNAVAILABLE
    if args.json:
        print(json.dumps(result.to_dict(include_frames=args.frames), indent=2, ensure_ascii=False))
    elif result.emotion:
        print(f"{result.label} ({result.confidence:.0%}) in {result.frames_with_face} of {frames(result.frames_seen)}")
    else:
        print(f"No face seen in {frames(result.frames_seen)}")
    return 0


def frames(count: int) -> str:
    """``"1 frame"``, ``"2 frames"``."""
    return f"{count} frame" if count == 1 else f"{count} frames"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "version":
        print(f"moodify-edge {__version__}")
        return 0
    try:
        return _command(args)
    except ConfigError as exc:  # also a file the config points at (state directory) found unusable later
        print(f"moodify-edge: config error: {exc}", file=sys.stderr)
        return EX_CONFIG


def _run_config(args: argparse.Namespace) -> Config:
    config = config_module.load(args.config)
    if args.command == "run":
        if args.demo:
            config = config.replace("service", demo=True)
        if args.host:
            config = config_module.override(config, "web.host", args.host)
        if args.port is not None:
            config = config_module.override(config, "web.port", args.port)
    return config


def run_url(argv: list[str]) -> str:
    """The kiosk's own address that ``moodify-edge run ARGV`` will serve (its ``--port``, else the config's
    ``web.port``); ``scripts/demo.sh`` prints it. A bad argument or config is left for ``run`` to report."""
    try:
        args = _parser().parse_args(["run", *argv])
        port = _run_config(args).web.port
    except (SystemExit, ConfigError):
        return ""
    return f"http://127.0.0.1:{port}"


def _command(args: argparse.Namespace) -> int:
    config = _run_config(args)
    from .classifier import quiet_delegate_notice

    quiet_delegate_notice()
    logging.basicConfig(
        level=config.service.log_level.upper(), format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if args.command == "detect":
        return _detect(config, args)
    if args.command == "doctor":
        from .doctor import run_checks

        return run_checks(config)
    from .service import run_service

    return run_service(config)
