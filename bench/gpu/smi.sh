# sample the GPU's compute processes every 0.5 s into $1 until killed
while true; do
  echo "t $(date +%s.%N)"; nvidia-smi --query-compute-apps=pid,used_memory --format=csv,noheader,nounits 2>&1
  nvidia-smi --query-gpu=memory.used,utilization.gpu --format=csv,noheader,nounits 2>&1 | sed 's/^/gpu /'
  sleep 0.5
done >> "$1"
