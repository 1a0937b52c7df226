// Checks batch header lines written as Python str.format templates ("#SBATCH --nodes={num_nodes}").
// The names are ExPyRe's node_dict: what a job's header may use; rendering itself belongs to the schedulers.

/** Names a header template may use, as in ExPyRe (`{num_cores_per_node}`, `{max_time}` = H:MM:SS, ...). */
export const HEADER_TEMPLATE_KEYS = ['id', 'max_time', 'max_time_HMS', 'partition', 'queue', 'num_nodes', 'num_cores', 'num_cores_per_node'] as const;

// Problem with one template line (unknown name, unbalanced brace), or null when it renders with HEADER_TEMPLATE_KEYS.
export function checkHeaderTemplate(line: string): string | null {
  // A line break would end the header line and start a command of the job script.
  if (/[\r\n]/.test(line)) return 'a header line must not contain a line break (the rest would run as a command in the job script)';
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if ((ch === '{' || ch === '}') && line[i + 1] === ch) {
      i += 2;
      continue;
    }
    if (ch === '}') return `single "}" at character ${i + 1}; write "}}" for a literal brace`;
    if (ch === '{') {
      const end = line.indexOf('}', i + 1);
      if (end < 0) return `unclosed "{" at character ${i + 1}; write "{{" for a literal brace`;
      const field = line.slice(i + 1, end);
      const name = /^[^.[!:]*/.exec(field)![0];
      if (!(HEADER_TEMPLATE_KEYS as readonly string[]).includes(name)) {
        return `unknown template field "{${field}}"; available: ${HEADER_TEMPLATE_KEYS.map((k) => `{${k}}`).join(', ')} (write "{{" and "}}" for literal braces)`;
      }
      i = end + 1;
      continue;
    }
    i++;
  }
  return null;
}
