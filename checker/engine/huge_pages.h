// An allocator for the exact store's two big arrays (the slot table and
// the records): an allocation of 2 MiB or more is its own anonymous
// mapping, advised MADV_HUGEPAGE, so that with transparent huge pages in
// `madvise` (or `always`) mode it is backed by 2 MiB pages.  A lookup
// probes a random slot and then a random record of tables of tens of MB:
// with 4 KiB pages nearly every probe also misses the TLB (and in a
// virtual machine a TLB miss walks two page tables).  Where THP is off
// (`never`, or no CONFIG_TRANSPARENT_HUGEPAGE) the advice fails and the
// memory is ordinary pages: nothing else changes.  The contents, and so
// the search's output, do not depend on it.
#pragma once
#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace mmc::engine {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t MIN_BYTES = size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < MIN_BYTES) return static_cast<T*>(::operator new(bytes));
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    (void)madvise(p, bytes, MADV_HUGEPAGE);  // advice only: EINVAL without THP
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < MIN_BYTES) ::operator delete(p);
    else munmap(p, bytes);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace mmc::engine
