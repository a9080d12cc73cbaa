#!/usr/bin/env bash
# Generates small audio and video fixtures with the ffmpeg CLI and python3 (no data copied
# from anywhere): OUT/audio/* and OUT/video/*, default OUT = fixtures/generated/media
# (gitignored). The converter tests run this script into a temporary folder.
#
# audio: sine_8k.wav (440 Hz, 8 kHz mono 16-bit, 1 s), stereo_44k.wav (44.1 kHz stereo, 1000 Hz
#        left / 1000 Hz right, 1.5 s), tone.flac, tone.mp3, tone.ogg (vorbis), tone.m4a (aac),
#        silent.wav (digital silence), empty_samples.wav (a valid
#        header with 0 samples), zero_bytes.wav (0 bytes), text.wav (a text file), truncated.flac
# video: h264.mp4 (64x48, 25 fps, 50 frames, with an AAC audio track), mpeg4.avi (MPEG-4 part 2,
#        like DivX, 40 frames), gray.mkv (FFV1 gray8, 30 frames), short.mp4 (5 frames), red.mp4 (solid red, 10 frames),
#        truncated.mp4 (h264.mp4 cut in half: its index is lost), zero_frames.mkv (a video
#        stream without frames), text.mp4 (a text file)
set -euo pipefail
out="${1:-$(dirname "$0")/../fixtures/generated/media}"
for tool in ffmpeg python3; do
    command -v "$tool" >/dev/null || { echo "make-fixtures-media: $tool not found (apt-get install ffmpeg python3)" >&2; exit 3; }
done
mkdir -p "$out/audio" "$out/video"
a="$out/audio"
v="$out/video"
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# ---- audio ----
ff -f lavfi -i "sine=frequency=440:sample_rate=8000:duration=1" -c:a pcm_s16le "$a/sine_8k.wav"
ff -f lavfi -i "sine=frequency=1000:sample_rate=44100:duration=1.5" -f lavfi -i "sine=frequency=1000:sample_rate=44100:duration=1.5" \
    -filter_complex "[0:a][1:a]join=inputs=2:channel_layout=stereo[s]" -map "[s]" -c:a pcm_s16le "$a/stereo_44k.wav"
ff -f lavfi -i "sine=frequency=660:sample_rate=22050:duration=1.2" -c:a flac "$a/tone.flac"
ff -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=1.2" -c:a libmp3lame -b:a 96k "$a/tone.mp3"
ff -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=1.2" -c:a libvorbis "$a/tone.ogg"
ff -f lavfi -i "sine=frequency=660:sample_rate=44100:duration=1.2" -c:a aac -b:a 96k "$a/tone.m4a"
ff -f lavfi -i "anullsrc=r=16000:cl=mono" -t 1 -c:a pcm_s16le "$a/silent.wav"
python3 - "$a" <<'EOF'
import sys, wave, os
d = sys.argv[1]
with wave.open(os.path.join(d, "empty_samples.wav"), "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b"")
open(os.path.join(d, "zero_bytes.wav"), "wb").close()
with open(os.path.join(d, "text.wav"), "w") as f:
    f.write("this is a text file, not audio\n" * 20)
data = open(os.path.join(d, "tone.flac"), "rb").read()
open(os.path.join(d, "truncated.flac"), "wb").write(data[: len(data) // 2])
EOF

# ---- video ----
ff -f lavfi -i "testsrc=size=64x48:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
    -frames:v 50 -t 2 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest "$v/h264.mp4"
ff -f lavfi -i "testsrc=size=80x60:rate=20" -frames:v 40 -c:v mpeg4 -q:v 5 "$v/mpeg4.avi"
ff -f lavfi -i "testsrc=size=48x32:rate=10" -frames:v 30 -vf format=gray -c:v ffv1 -pix_fmt gray "$v/gray.mkv"
ff -f lavfi -i "testsrc=size=64x48:rate=25" -frames:v 5 -c:v libx264 -pix_fmt yuv420p "$v/short.mp4"
ff -f lavfi -i "color=c=red:size=32x24:rate=10" -frames:v 10 -c:v libx264 -pix_fmt yuv420p "$v/red.mp4"
ff -f lavfi -i "testsrc=size=64x48:rate=25" -frames:v 0 -c:v ffv1 "$v/zero_frames.mkv"
python3 - "$v" <<'EOF'
import sys, os
d = sys.argv[1]
data = open(os.path.join(d, "h264.mp4"), "rb").read()
open(os.path.join(d, "truncated.mp4"), "wb").write(data[: len(data) // 2])
with open(os.path.join(d, "text.mp4"), "w") as f:
    f.write("not a video\n" * 50)
EOF
echo "wrote $out/audio and $out/video"
