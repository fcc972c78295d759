# Prints the raw JSON text of one top-level member of a JSON object document, e.g.
#   awk -v member=config -f json-member.awk connect-config/pgshift-source.json
# Scans characters, so strings holding braces, commas or colons (such as "${env:X}") are safe.
# Exits 1 when the member is absent. POSIX awk only: runs under busybox, mawk and gawk.
{ doc = doc $0 "\n" }

END {
  depth = 0; in_string = 0; escaped = 0; capturing = 0
  n = length(doc)
  for (i = 1; i <= n; i++) {
    c = substr(doc, i, 1)
    if (in_string) {
      if (escaped) escaped = 0
      else if (c == "\\") escaped = 1
      else if (c == "\"") { in_string = 0; string_end = i }
      continue
    }
    if (c == "\"") { in_string = 1; string_start = i; continue }
    if (depth == 1 && !capturing && c == ":") {
      if (substr(doc, string_start + 1, string_end - string_start - 1) == member) { capturing = 1; start = i + 1 }
      continue
    }
    if (depth == 1 && capturing && (c == "," || c == "}")) {
      value = substr(doc, start, i - start)
      sub(/^[ \t\r\n]+/, "", value)
      sub(/[ \t\r\n]+$/, "", value)
      print value
      exit 0
    }
    if (c == "{" || c == "[") depth++
    else if (c == "}" || c == "]") depth--
  }
  exit 1
}
