// A ground-truth workload for runtimes that write their own perf map: run with
// `node --perf-basic-prof hot.js <seconds>`; scorchCallerJs calls scorchHotJs in a loop.
function scorchHotJs(n) {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = (x * 31 + i) | 0;
  }
  return x;
}

function scorchCallerJs(seconds) {
  let acc = 0;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    acc ^= scorchHotJs(100000);
  }
  return acc;
}

console.log("ready");
console.log(scorchCallerJs(Number(process.argv[2])));
