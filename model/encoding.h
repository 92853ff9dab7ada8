// Bit-level encodings the model shares with the kernel: pagemap entries,
// swap entries and x86-64 swap PTEs, PTE markers.  One copy of each
// constant; proofs/ states its lemmas over these same definitions.
#pragma once
#include <cstdint>

namespace mm::enc {

// include/linux/swap.h
inline constexpr unsigned MAX_SWAPFILES_SHIFT = 5;
// Non-swap types live at the top of the 5-bit type space (include/linux/swap.h,
// v6.18 with CONFIG_DEVICE_PRIVATE, CONFIG_MIGRATION, CONFIG_MEMORY_FAILURE as
// distributions build it): device (3: write, read, exclusive), migration
// (3: read, read-exclusive, write), hwpoison (1), pte marker (1).
// SWP_PTE_MARKER is type 31 whichever of these are configured.
inline constexpr unsigned SWP_DEVICE_NUM = 3;
inline constexpr unsigned SWP_MIGRATION_NUM = 3;
inline constexpr unsigned SWP_HWPOISON_NUM = 1;
inline constexpr unsigned SWP_PTE_MARKER_NUM = 1;
inline constexpr unsigned MAX_SWAPFILES =
    (1u << MAX_SWAPFILES_SHIFT) - SWP_DEVICE_NUM - SWP_MIGRATION_NUM -
    SWP_HWPOISON_NUM - SWP_PTE_MARKER_NUM;
// SWP_PTE_MARKER = MAX_SWAPFILES + SWP_HWPOISON_NUM + SWP_MIGRATION_NUM + SWP_DEVICE_NUM
inline constexpr unsigned SWP_PTE_MARKER =
    MAX_SWAPFILES + SWP_HWPOISON_NUM + SWP_MIGRATION_NUM + SWP_DEVICE_NUM;

// include/linux/swapops.h: arch-independent swp_entry_t.
inline constexpr unsigned BITS_PER_XA_VALUE = 63;
inline constexpr unsigned SWP_TYPE_SHIFT = BITS_PER_XA_VALUE - MAX_SWAPFILES_SHIFT;
inline constexpr uint64_t SWP_OFFSET_MASK = (uint64_t{1} << SWP_TYPE_SHIFT) - 1;

constexpr uint64_t swp_entry(uint64_t type, uint64_t offset) {
  return (type << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK);
}
constexpr uint64_t swp_type(uint64_t entry) { return entry >> SWP_TYPE_SHIFT; }
constexpr uint64_t swp_offset(uint64_t entry) { return entry & SWP_OFFSET_MASK; }

// PTE marker bits (include/linux/swapops.h, v6.18).
inline constexpr uint64_t PTE_MARKER_UFFD_WP = 1u << 0;
inline constexpr uint64_t PTE_MARKER_POISONED = 1u << 1;
inline constexpr uint64_t PTE_MARKER_GUARD = 1u << 2;
// The RFC "mm: Enable PM_SWAP for shmem with PTE_MARKER" (2021) adds a
// PAGEOUT marker; mainline never took it.  Give it the next free bit.
inline constexpr uint64_t PTE_MARKER_PAGEOUT = 1u << 3;
inline constexpr uint64_t PTE_MARKER_MASK = (1u << 4) - 1;

constexpr uint64_t make_pte_marker_entry(uint64_t marker) {
  return swp_entry(SWP_PTE_MARKER, marker);
}
constexpr bool is_pte_marker_entry(uint64_t entry) {
  return swp_type(entry) == SWP_PTE_MARKER;
}
constexpr uint64_t pte_marker_get(uint64_t entry) {
  return swp_offset(entry) & PTE_MARKER_MASK;
}

// arch/x86/include/asm/pgtable_64.h: a non-present x86-64 PTE holding a
// swap entry.  Type in the top 5 bits, offset stored inverted (L1TF
// mitigation) from bit SWP_OFFSET_FIRST_BIT.  Software bits for the swap
// PTE: exclusive = _PAGE_PWT (3, pgtable_64_types.h: bit 7 must stay clear
// because pmd_present tests _PAGE_PSE), soft-dirty = _PAGE_RW (1), uffd-wp =
// _PAGE_USER (2) (pgtable_types.h).
inline constexpr unsigned X86_SWP_TYPE_BITS = 5;
inline constexpr unsigned X86_PAGE_BIT_PROTNONE = 8;
inline constexpr unsigned X86_SWP_OFFSET_FIRST_BIT = X86_PAGE_BIT_PROTNONE + 1;
inline constexpr unsigned X86_SWP_OFFSET_SHIFT = X86_SWP_OFFSET_FIRST_BIT + X86_SWP_TYPE_BITS;
inline constexpr uint64_t X86_PAGE_PRESENT = 1u << 0;
inline constexpr uint64_t X86_PAGE_SWP_SOFT_DIRTY = 1u << 1;
inline constexpr uint64_t X86_PAGE_SWP_UFFD_WP = 1u << 2;
inline constexpr uint64_t X86_PAGE_SWP_EXCLUSIVE = 1u << 3;

// __swp_entry_to_pte(__swp_entry(type, offset)) restricted to a swp_entry_t
// produced by swp_entry(): __swp_type / __swp_offset are the inverse.
constexpr uint64_t x86_swp_pte(uint64_t type, uint64_t offset) {
  return (~offset << X86_SWP_OFFSET_SHIFT >> X86_SWP_TYPE_BITS) |
         (type << (64 - X86_SWP_TYPE_BITS));
}
constexpr uint64_t x86_swp_pte_type(uint64_t pte) { return pte >> (64 - X86_SWP_TYPE_BITS); }
constexpr uint64_t x86_swp_pte_offset(uint64_t pte) {
  return ~pte << X86_SWP_TYPE_BITS >> X86_SWP_OFFSET_SHIFT;
}
// The offset bits that __swp_entry can hold.
inline constexpr unsigned X86_SWP_OFFSET_BITS = 64 - X86_SWP_OFFSET_SHIFT;

// Documentation/admin-guide/mm/pagemap.rst, fs/proc/task_mmu.c
inline constexpr unsigned PM_PFRAME_BITS = 55;
inline constexpr uint64_t PM_PFRAME_MASK = (uint64_t{1} << PM_PFRAME_BITS) - 1;
inline constexpr uint64_t PM_SOFT_DIRTY = uint64_t{1} << 55;
inline constexpr uint64_t PM_MMAP_EXCLUSIVE = uint64_t{1} << 56;
inline constexpr uint64_t PM_UFFD_WP = uint64_t{1} << 57;
inline constexpr uint64_t PM_GUARD_REGION = uint64_t{1} << 58;
inline constexpr uint64_t PM_FILE = uint64_t{1} << 61;
inline constexpr uint64_t PM_SWAP = uint64_t{1} << 62;
inline constexpr uint64_t PM_PRESENT = uint64_t{1} << 63;
inline constexpr uint64_t PM_FLAG_BITS =
    PM_SOFT_DIRTY | PM_MMAP_EXCLUSIVE | PM_UFFD_WP | PM_GUARD_REGION | PM_FILE | PM_SWAP | PM_PRESENT;

// pte_to_pagemap_entry: frame = swp_type(entry) | (swp_offset(entry) << MAX_SWAPFILES_SHIFT)
constexpr uint64_t pagemap_swap_frame(uint64_t type, uint64_t offset) {
  return (type | (offset << MAX_SWAPFILES_SHIFT)) & PM_PFRAME_MASK;
}
constexpr uint64_t pagemap_frame_type(uint64_t frame) {
  return frame & ((1u << MAX_SWAPFILES_SHIFT) - 1);
}
constexpr uint64_t pagemap_frame_offset(uint64_t frame) { return frame >> MAX_SWAPFILES_SHIFT; }
// The swap offsets a pagemap frame can carry without truncation.
inline constexpr unsigned PAGEMAP_SWAP_OFFSET_BITS = PM_PFRAME_BITS - MAX_SWAPFILES_SHIFT;

}  // namespace mm::enc
