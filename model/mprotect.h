// mprotect(2): do_mprotect_pkey -> mprotect_fixup -> change_protection ->
// change_pte_range (mm/mprotect.c v6.18).
#pragma once
#include "model/events.h"

namespace mm {

// The protections a scenario can ask for (PROT_EXEC is not modelled).
enum class Prot : uint8_t { None, Read, ReadWrite };

// vma_wants_writenotify: a shared writable VMA whose clean PTEs must stay
// read-only so the first write is seen (soft-dirty tracking, uffd-wp).
bool vma_wants_writenotify(const Vma& v, const Config& cfg);
// vma_wants_manual_pte_write_upgrade: change_protection may make PTEs
// writable itself (MM_CP_TRY_CHANGE_WRITABLE).
bool vma_wants_manual_pte_write_upgrade(const Vma& v, const Config& cfg);
// can_change_pte_writable: the write fault would map this PTE writable
// without further checks, so mprotect (or uffd-wp resolve) may do it now.
bool can_change_pte_writable(const State& s, const Vma& v, const Pte& pte, const Config& cfg);

// change_pte_range on a migration entry: "A protection check is difficult
// so just be safe and disable write": a writable entry becomes
// readable-exclusive (anon) or readable, soft-dirty kept.  Shared by
// mprotect and UFFDIO_WRITEPROTECT (both are change_protection).
void change_migration_entry(const State& s, Pte& pte);

// mprotect() of the whole VMA holding `page`.
Outcome do_mprotect(State& s, int proc, int page, Prot prot, const Config& cfg);

}  // namespace mm
