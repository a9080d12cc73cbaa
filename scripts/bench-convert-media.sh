#!/usr/bin/env bash
# Video and audio conversion benchmark (issue 4 item 4), through release-built examples that
# call the same library code as `autodl-format convert` (no libtorch build needed).
#   video: 10 generated H.264 clips, 320x240, 25 fps, 20 s (5000 frames): every frame decoded,
#          JPEG-encoded and written (frames/s); then a 10-minute clip (15000 frames) at --fps 5
#          with --max-frames 600 (peak RSS stays bounded by one record).
#   audio: 20 generated 60 s 44.1 kHz stereo WAVs (down-mix + resampling to 16 kHz): seconds of
#          audio converted per second; then a 10-minute WAV with --max-seconds 60 --crop center
#          (the window is placed from the header, decoding stops after it) and without a cap.
# Validation of the result is included in every time (not --deep for video).
# Usage: scripts/bench-convert-media.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-$(mktemp -d)}"
mkdir -p "$WORK"
cargo build --release -q -p converters-video -p converters-audio --examples
BIN="${CARGO_TARGET_DIR:-target}/release/examples"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
csv() { # DIR: labels.csv over the files in DIR, first two in test, classes alternate
    local dir=$1 i=0
    echo "FileName,Labels,subset" > "$dir/labels.csv"
    for f in $(cd "$dir" && ls | grep -v labels.csv | sort); do
        if [ $i -lt 2 ]; then s=test; else s=train; fi
        echo "$f,$((i % 2)),$s" >> "$dir/labels.csv"
        i=$((i + 1))
    done
}
if [ ! -d "$WORK/video" ]; then
    mkdir -p "$WORK/video" "$WORK/video-long"
    for i in $(seq 0 9); do
        ff -f lavfi -i "testsrc=size=320x240:rate=25" -frames:v 500 -c:v libx264 -preset veryfast -pix_fmt yuv420p "$WORK/video/clip$i.mp4"
    done
    ff -f lavfi -i "testsrc=size=320x240:rate=25" -frames:v 15000 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$WORK/video-long/long.mp4"
    cp "$WORK/video/clip0.mp4" "$WORK/video-long/a.mp4"
    cp "$WORK/video/clip1.mp4" "$WORK/video-long/b.mp4"
    csv "$WORK/video"
    csv "$WORK/video-long"
fi
if [ ! -d "$WORK/audio" ]; then
    mkdir -p "$WORK/audio" "$WORK/audio-long"
    for i in $(seq 0 19); do
        ff -f lavfi -i "sine=frequency=$((300 + 40 * i)):sample_rate=44100:duration=60" -ac 2 -c:a pcm_s16le "$WORK/audio/tone$i.wav"
    done
    ff -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=600" -ac 2 -c:a pcm_s16le "$WORK/audio-long/long.wav"
    cp "$WORK/audio/tone0.wav" "$WORK/audio-long/a.wav"
    cp "$WORK/audio/tone1.wav" "$WORK/audio-long/b.wav"
    csv "$WORK/audio"
    csv "$WORK/audio-long"
fi
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "video, every frame, 320x240 JPEG:       $("$BIN/bench_convert_video" "$WORK/video" "$WORK/out-video")"
echo "video, 10-min clip --fps 5 --max 600:   $("$BIN/bench_convert_video" "$WORK/video-long" "$WORK/out-video-long" --fps 5 --max-frames 600)"
echo "audio, 20 x 60 s 44.1k stereo -> 16k:   $("$BIN/bench_convert_audio" "$WORK/audio" "$WORK/out-audio")"
echo "audio, 10-min file, --max-seconds 60:   $("$BIN/bench_convert_audio" "$WORK/audio-long" "$WORK/out-audio-long" --max-seconds 60 --crop center)"
echo "audio, 10-min file, no cap:             $("$BIN/bench_convert_audio" "$WORK/audio-long" "$WORK/out-audio-long2")"
