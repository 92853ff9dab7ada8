#include "checker/live/program.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>

namespace mmc::live {

namespace {

// fork + exec `argv`, collecting stdout (and stderr when `merge`).
ProgramRun spawn(const std::vector<std::string>& argv, int timeout_s, bool merge) {
  ProgramRun r;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return r;
  pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    dup2(out[1], 1);
    if (merge) dup2(out[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n <= 0) continue;
    ssize_t got = read(out[0], buf, sizeof buf);
    if (got <= 0) break;
    r.output.append(buf, static_cast<size_t>(got));
  }
  close(out[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) r.exit_status = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) r.signal = WTERMSIG(st);
  return r;
}

}  // namespace

bool compile_c(const std::string& c_file, const std::string& binary, std::string& log) {
  const char* cc = std::getenv("CC");
  ProgramRun r = spawn({cc && *cc ? cc : "cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-O1", "-o", binary, c_file}, 120, true);
  log = r.output;
  if (r.exit_status == 127 && log.empty()) log = "the C compiler could not be started (set CC)";
  return r.exit_status == 0;
}

ProgramRun run_program(const std::string& binary, int timeout_s) { return spawn({binary}, timeout_s, false); }

ProgramOutput parse_output(const std::string& text) {
  ProgramOutput out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    int id = 0, n = 0, used = 0;
    if (line.rfind("# obs ", 0) == 0) {
      char value[64] = {0};
      if (std::sscanf(line.c_str(), "# obs %d %63s", &id, value) == 2) {
        out.obs[id] = std::strtoull(value, nullptr, 0);
        if (value[0] == '-') out.obs[id] = static_cast<uint64_t>(std::strtoll(value, nullptr, 10));
        continue;
      }
    } else if (line.rfind("#", 0) == 0 || line == "TAP version 13" || line.empty()) {
      continue;
    } else if (std::sscanf(line.c_str(), "1..%d", &n) == 1) {
      out.planned = n;
      continue;
    } else if (line.rfind("Bail out!", 0) == 0) {
      out.bail.push_back(line);
      continue;
    } else {
      bool ok = line.rfind("ok ", 0) == 0;
      bool notok = line.rfind("not ok ", 0) == 0;
      if ((ok || notok) && std::sscanf(line.c_str() + (ok ? 3 : 7), "%d%n", &n, &used) == 1) {
        TapLine t;
        t.n = n;
        t.ok = ok;
        t.text = line.substr((ok ? 3 : 7) + static_cast<size_t>(used));
        if (!t.text.empty() && t.text[0] == ' ') t.text.erase(0, 1);
        t.skip = t.text.find("# SKIP") != std::string::npos;
        out.tests.push_back(t);
        continue;
      }
    }
    out.malformed.push_back(line);
  }
  return out;
}

}  // namespace mmc::live
