// Canonical text of explore conditions (for `show`, reports and JSON).
#include "checker/scenario/ast.h"

namespace mmc::scenario {

const char* cond_quant_name(CondQuant q) {
  switch (q) {
    case CondQuant::Exists: return "exists";
    case CondQuant::Forall: return "forall";
    case CondQuant::NotExists: return "~exists";
  }
  return "?";
}

namespace {

// Binding strength: Or < And < Not < Atom.
int strength(CondExpr::Op op) {
  switch (op) {
    case CondExpr::Op::Or: return 1;
    case CondExpr::Op::And: return 2;
    case CondExpr::Op::Not: return 3;
    case CondExpr::Op::Atom: return 4;
  }
  return 0;
}

std::string text_in(const CondExpr& e, int outer) {
  std::string t;
  switch (e.op) {
    case CondExpr::Op::Atom: t = e.atom.observation(); break;
    case CondExpr::Op::Not: t = "~" + text_in(e.kids[0], strength(CondExpr::Op::Not) + 1); break;
    case CondExpr::Op::And:
    case CondExpr::Op::Or:
      for (const CondExpr& k : e.kids) {
        if (!t.empty()) t += e.op == CondExpr::Op::And ? " /\\ " : " \\/ ";
        t += text_in(k, strength(e.op) + 1);
      }
      break;
  }
  // An atom after '~' reads as one unit only in parentheses when it has fields.
  if (strength(e.op) < outer || (outer > strength(CondExpr::Op::Not) && e.op == CondExpr::Op::Atom)) return "(" + t + ")";
  return t;
}

}  // namespace

std::string CondExpr::text() const { return text_in(*this, 0); }

}  // namespace mmc::scenario
