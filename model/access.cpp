#include "model/access.h"

#include "model/events.h"

namespace mm {

int access_signal(const State& s, int proc, int page, AccessKind kind, const Config& cfg) {
  State copy = s;
  const EventKind k = kind == AccessKind::Write ? EventKind::WriteFault : EventKind::ReadFault;
  const Outcome o = apply(copy, Event{k, static_cast<uint8_t>(proc), static_cast<uint8_t>(page), 0}, cfg);
  switch (o.status) {
    case Status::Done: return 0;
    case Status::WpFault: return 7;
    case Status::Sigsegv: return 11;
    case Status::OutOfCapacity: return 0;  // the access would complete; the model lacks room to show it
    case Status::Disabled: return -1;
  }
  return -1;
}

}  // namespace mm
