# MediaIO through FFmpeg's libraries: probe the sample portrait, extract reference frames, and show a clear error.
set -euo pipefail
mkdir -p data/out
"$TBD" media probe data/astronaut.png
"$TBD" media frame --input data/astronaut.png --out data/out/astronaut-224.jpg --max-pixels 50176
# A two-second clip of the portrait made with the ffmpeg tool, then its middle frame decoded by tbd.
ffmpeg -hide_banner -loglevel error -y -loop 1 -i data/astronaut.png -t 2 -r 25 \
  -vf "scale=256:256,zoompan=z='1+0.002*on':d=1:s=256x256:fps=25" -c:v libx264 -pix_fmt yuv420p \
  data/out/astronaut-clip.mp4
"$TBD" media probe data/out/astronaut-clip.mp4
"$TBD" media frame --input data/out/astronaut-clip.mp4 --choice middle --out data/out/astronaut-middle.png --json
"$TBD" media sheet --input data/out/astronaut-clip.mp4 --frames 8 --columns 4 --cell-width 96 \
  --out data/out/astronaut-sheet.png
echo "\$ tbd media frame --input README.md --out data/out/x.jpg   (exits 1: not a video)"
if "$TBD" media frame --input README.md --out data/out/x.jpg; then exit 1; fi
# Faces: MTCNN with facenet-pytorch's trained weights (make deps fetched them), on the portrait and on the clip.
echo "\$ tbd media faces data/astronaut.png --out data/out/astronaut-faces.png"
"$TBD" media faces data/astronaut.png --out data/out/astronaut-faces.png
echo "\$ tbd media faces data/out/astronaut-clip.mp4 --every 25"
"$TBD" media faces data/out/astronaut-clip.mp4 --every 25
