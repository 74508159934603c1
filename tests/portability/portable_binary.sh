#!/usr/bin/env bash
# The default build runs on every x86-64 processor (mpirun starts the same binary on every node):
#  1. no compile command carries a processor-specific option (-march=/-mtune=native, -mavx..., ...);
#  2. the executable holds no instruction beyond baseline x86-64 (VEX/EVEX-encoded AVX, FMA, BMI,
#     POPCNT, ...) outside functions cloned for run-time dispatch (GCC target_clones: name.avx2.0,
#     and their resolvers), which run only where the processor has the extension.
# With SVERTKA_NATIVE=ON both are expected to fail, and the test only checks that -march=native is
# there. Usage: portable_binary.sh BUILD_DIR EXECUTABLE ON|OFF
set -euo pipefail
build=$1 binary=$2 native=$3
commands=$build/compile_commands.json
[[ -f $commands ]] || { echo "no $commands (CMAKE_EXPORT_COMPILE_COMMANDS is off?)"; exit 1; }

specific='(-march=|-mtune=|-mcpu=|-mavx|-mfma|-mbmi|-mf16c|-msse4|-mpopcnt|-mamx)'
flagged=$(grep -oE -- "$specific[^ \"]*" "$commands" | sort | uniq -c || true)
if [[ $native == ON ]]; then
  grep -q -- '-march=native' "$commands" || { echo "SVERTKA_NATIVE=ON but no -march=native"; exit 1; }
  echo "native build: $flagged"
  exit 0
fi
if [[ -n $flagged ]]; then
  echo "processor-specific compile options in the default build:"; echo "$flagged"; exit 1
fi

# Every function with an instruction that baseline x86-64 lacks, less the run-time clones.
# objdump prints "<name>:" before each function and one instruction per line after it.
offenders=$(objdump -d --no-show-raw-insn "$binary" | awk '
  /^[0-9a-f]+ <.*>:$/ { fn = $2; next }
  /\t/ {
    n = split($0, parts, "\t"); insn = parts[n]; split(insn, words, " "); op = words[1]
    vex = (op ~ /^v/ && insn ~ /%[xyz]mm/) || insn ~ /%[yz]mm|%k[0-7]/
    other = op ~ /^(andn|bextr|blsi|blsmsk|blsr|bzhi|pdep|pext|rorx|sarx|shlx|shrx|popcnt|lzcnt|tzcnt|movbe|crc32[bwlq]?|adcx|adox)$/
    if ((vex || other) && fn !~ /\.(avx|arch_|x86-64-v|fma|bmi|popcnt|sse4|resolver)/) bad[fn] = insn
  }
  END { for (f in bad) print f "  " bad[f] }')
if [[ -n $offenders ]]; then
  echo "functions in $binary that need more than baseline x86-64 (function, one such instruction):"
  echo "$offenders" | head -40
  echo "($(echo "$offenders" | wc -l) in all)"
  exit 1
fi
echo "portable: no processor-specific compile option, and no instruction beyond baseline x86-64 in $binary outside run-time clones"
