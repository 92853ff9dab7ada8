// Explore conditions: parsing (precedence of ~, /\, \/ and parentheses),
// canonical text, and the answers over the explored states.
#include <doctest/doctest.h>

#include <string>

#include "checker/scenario/parser.h"
#include "checker/scenario/runner.h"

using namespace mmc::scenario;

namespace {

const std::string kHead =
    "scenario \"t\"\nconfig v6.18\nprocess A\nA: p = mmap 1 private\nA: write p[0] 1\nA: fork B\n"
    "explore events write<=1 read\n";

std::string cond_text(const std::string& line) {
  Scenario s = parse_scenario(kHead + line + "\n", "t.scenario");
  REQUIRE(s.conditions.size() == 1);
  return cond_quant_name(s.conditions[0].quant) + std::string(" ") + s.conditions[0].expr.text();
}

ConditionResult answer(const std::string& line) {
  Scenario s = parse_scenario(kHead + line + "\n", "t.scenario");
  ScenarioRun r = run_scenario(s, RunOptions{});
  REQUIRE(r.configs.size() == 1);
  REQUIRE(r.configs[0].conditions.size() == 1);
  return r.configs[0].conditions[0];
}

}  // namespace

TEST_CASE("conditions: /\\ binds tighter than \\/, ~ tighter than both") {
  CHECK(cond_text("exists A: read p[0] == 1 \\/ A: read p[0] == 2 /\\ B: read p[0] == 1") ==
        "exists A: read p[0] == 1 \\/ A: read p[0] == 2 /\\ B: read p[0] == 1");
  CHECK(cond_text("exists (A: read p[0] == 1 \\/ A: read p[0] == 2) /\\ B: read p[0] == 1") ==
        "exists (A: read p[0] == 1 \\/ A: read p[0] == 2) /\\ B: read p[0] == 1");
  CHECK(cond_text("~exists ~A: pte p[0] write=1 /\\ A: folio p[0] same B: p[0]") ==
        "~exists ~(A: pte p[0] write=1) /\\ A: folio p[0] same B: p[0]");
  CHECK(cond_text("forall ~(A: read p[0] == 1 /\\ B: read p[0] == 2)") ==
        "forall ~(A: read p[0] == 1 /\\ B: read p[0] == 2)");
  // The canonical text reads back to the same condition.
  const std::string t = cond_text("exists ((A: read p[0] == 1)) /\\ (B: read p[0] == 1 \\/ B: read p[0] == 2)");
  CHECK(cond_text(t) == t);
}

TEST_CASE("conditions: answers over the 3 states (initial, A wrote, B wrote)") {
  // Parent and child share F0 until one of them writes (write<=1).
  ConditionResult r = answer("exists A: folio p[0] same B: p[0]");
  CHECK(r.pos == 1);
  CHECK(r.neg == 2);
  CHECK(r.actual() == Quant::Sometimes);
  CHECK(r.ok());
  REQUIRE(r.witness);
  CHECK(r.witness->steps.empty());  // the initial state already shares

  r = answer("forall A: read p[0] == 1");  // B's write does not reach A, A's does
  CHECK(r.pos == 2);
  CHECK(r.neg == 1);
  CHECK(!r.ok());
  CHECK(r.verdict() == "not validated");
  REQUIRE(r.witness);
  CHECK(!r.witness_holds);
  REQUIRE(r.witness->steps.size() == 1);
  CHECK(r.witness->steps[0].text == "A: write p[0]=2");

  // Precedence changes the answer: (x \/ y) /\ z  vs  x \/ (y /\ z).
  CHECK(answer("exists (A: read p[0] == 2 \\/ B: read p[0] == 2) /\\ A: read p[0] == 1").pos == 1);
  CHECK(answer("exists A: read p[0] == 2 \\/ B: read p[0] == 2 /\\ A: read p[0] == 1").pos == 2);

  r = answer("~exists A: read p[0] == 2 /\\ B: read p[0] == 2");
  CHECK(r.pos == 0);
  CHECK(r.actual() == Quant::Never);
  CHECK(r.ok());
  CHECK(!r.witness);
}

TEST_CASE("conditions: errors name FILE:LINE:COL") {
  try {
    parse_scenario(kHead + "exists A: read p[0] == 1 /\\ (B: read p[0] == 1\n", "t.scenario");
    FAIL("no error");
  } catch (const ScenarioError& e) {
    CHECK(std::string(e.what()).rfind("t.scenario:8:", 0) == 0);
    CHECK(std::string(e.what()).find("expected ')' to close the '(' at 8:29") != std::string::npos);
  }
}
