/*
 * The anon workloads of mmcheck (checker/workloads/workloads.cpp), written
 * again in Promela from the model's semantics (model/*.cpp) for the side by
 * side with SPIN (scripts/spin-side-by-side, docs/engine.md "Side by side
 * with SPIN").  Not generated from the C++: a second reading of the same
 * kernel functions, so that equal state and transition counts are a
 * cross-check of both.
 *
 * Included by anon-fork-swap.pml and anon-big.pml, which define the
 * alphabet's limits (*_BUDGET, *_TAKE), then list the events in the proctype.
 *
 * What is transcribed: one process A with a 2-page MAP_PRIVATE anonymous
 * VMA (VM_WRITE, VM_SOFTDIRTY as do_mmap sets them under
 * CONFIG_MEM_SOFT_DIRTY), one asynchronous swap device (no
 * SWP_SYNCHRONOUS_IO, no SWP_STABLE_WRITES), the v6.18 preset
 * (PG_anon_exclusive, pte_swp_exclusive, swap_zeromap, soft-dirty on), and
 * the events the workloads enable:
 *   read    handle_mm_fault(FAULT_FLAG_NONE)         (model/fault.cpp)
 *   write   handle_mm_fault(FAULT_FLAG_WRITE) + store (model/fault.cpp, events.cpp)
 *   fork    copy_page_range                           (model/fork.cpp)
 *   pageout madvise_cold_or_pageout_pte_range + shrink_folio_list (model/reclaim.cpp)
 *   writeback folio_end_writeback, swapcache_drop, reclaim (shrink_folio_list)
 *   dontneed zap_pte_range, exit exit_mmap            (model/zap.cpp)
 *
 * One Promela transition is one mmcheck transition: every event is one
 * d_step, and its guard is "the model does not refuse it AND it changes
 * the state" (mmcheck drops a no-op: checker/engine/mm_model.h).
 *
 * The state vector holds every mm::State field the workloads can change
 * (and the limited kinds' usage counters, MmNode::used), with nothing
 * forgotten (mmcheck --keep-dead-state: Process::parent and the ghost
 * bytes are in).  Left out, because they keep their initial value in every
 * reachable state of these workloads, so leaving them out cannot merge two
 * states: the VMA's kind/start/npages/inode/pgoff/flags2 of a running
 * process (fixed by do_mmap; an exited process's VMA is Vma{}, told apart by
 * `alive`), pages 2..3 (outside the VMA), pins, ghost2 (pageout_scope's bit
 * is set only when another mm maps the folio, and pageout needs mapcount 1),
 * folio swap_type (one device), content[1] and flags2 (no large folio, no
 * MADV_FREE, no migration), the swap device's flags, inodes and the pipe.
 *
 * SPIN initialises every element of an array alike; process slot 0 starts
 * running (alive 1, VM_WRITE|VM_SOFTDIRTY) and slots 1, 2 unused.  So slot
 * 0's `alive` and `vflags` are stored XOR their initial values: a bijection
 * per slot, which keeps the initial state one state (no set-up step).
 */

#define NPROC   3      /* mm::MAX_PROCS */
#define NPAGE   2      /* pages of the VMA (mm::MAX_PAGES is 4; 2..3 are outside it) */
#define NFOLIO  8      /* mm::MAX_FOLIOS */
#define NSLOT   4      /* mm::MAX_SLOTS */
#define NONE    255    /* mm::NONE: the zero page, "no parent" */
#define MAX_VALUE 3    /* mm::MAX_VALUE */

/* ProcState */
#define PROC_UNUSED 0
#define PROC_ALIVE  1
#define PROC_EXITED 2

/* PteKind */
#define PTE_NONE    0
#define PTE_PRESENT 1
#define PTE_SWAP    2

/* PteBits */
#define PTE_WRITE          1
#define PTE_DIRTY          2
#define PTE_SOFT_DIRTY     4
#define PTE_UFFD_WP        8
#define PTE_SWP_EXCLUSIVE 16
/* pte_mkdirty_bits(cfg): x86's pte_mkdirty sets _PAGE_SOFT_DIRTY too */
#define PTE_MKDIRTY (PTE_DIRTY | PTE_SOFT_DIRTY)

/* VmaFlags */
#define VM_WRITE      1
#define VM_SOFTDIRTY  2
#define VM_UFFD_WP    4
#define VMA_ANON_VMA 16
#define VMA_INITIAL  (VM_WRITE | VM_SOFTDIRTY)   /* do_mmap under CONFIG_MEM_SOFT_DIRTY */

/* GhostBits */
#define GHOST_WP        1
#define GHOST_WRITTEN   2
#define GHOST_COWED     4
#define GHOST_SD_BLIND  128
#define GHOST_LAZYFREE  16
#define GHOST_GUARD     32

/* FolioFlags */
#define FOLIO_ALLOCATED 1
#define PG_anon         2
#define PG_swapcache    4
#define PG_writeback    8
#define PG_dirty       16
#define PG_uptodate    32

typedef Pte {
  byte kind;   /* PteKind */
  byte bits;   /* PteBits */
  byte a;      /* Present: folio id (NONE: zero page); Swap: swap type (always 0) */
  byte b       /* Present: subpage (always 0); Swap: slot */
};

typedef Process {
  byte alivex;           /* ProcState, XOR its initial value (see above): use ALIVE(q) */
  byte parent = NONE;    /* Process::parent (dead state, kept: --keep-dead-state) */
  byte vflagsx;          /* vma[0].flags XOR its initial value: use VFLAGS(q) */
  Pte pte[NPAGE];
  byte expect[NPAGE];    /* ghost: what a read must return */
  byte ghost[NPAGE]      /* GhostBits */
};

typedef Folio {
  byte flags;   /* FolioFlags */
  byte excl;    /* anon_exclusive (bit 0: the only subpage) */
  byte slot;    /* swap_slot when PG_swapcache */
  byte content  /* content[0] */
};

typedef SwapSlot {
  byte count;     /* swap_map count */
  byte cache;     /* SWAP_HAS_CACHE */
  byte content    /* data on the device */
};

Process proc[NPROC];
Folio folio[NFOLIO];
SwapSlot slot[NSLOT];
byte used[4];      /* MmNode::used: the limited kinds' counters, alphabet order */

#define ALIVE(q)  (proc[q].alivex ^ (((q) == 0) -> PROC_ALIVE : 0))
#define SET_ALIVE(q, v)  proc[q].alivex = ((v) ^ (((q) == 0) -> PROC_ALIVE : 0))
#define VFLAGS(q) (proc[q].vflagsx ^ (((q) == 0) -> VMA_INITIAL : 0))
#define SET_VFLAGS(q, v) proc[q].vflagsx = ((v) ^ (((q) == 0) -> VMA_INITIAL : 0))

/* folio_mapcount: present PTEs of running processes naming folio f */
#define MAPPED(q, g, f) ((ALIVE(q) == PROC_ALIVE && proc[q].pte[g].kind == PTE_PRESENT && proc[q].pte[g].a == (f)) -> 1 : 0)
#define FOLIO_MAPCOUNT(f) (MAPPED(0, 0, f) + MAPPED(0, 1, f) + MAPPED(1, 0, f) + MAPPED(1, 1, f) + MAPPED(2, 0, f) + MAPPED(2, 1, f))
#define FTEST(f, flag) ((folio[f].flags & (flag)) != 0)
/* folio_ref_count: one per mapping, one for the swap cache (no pins, no pipe, no page cache) */
#define FOLIO_REF_COUNT(f) (FTEST(f, FOLIO_ALLOCATED) -> (FOLIO_MAPCOUNT(f) + (FTEST(f, PG_swapcache) -> 1 : 0)) : 0)
#define PTE_IS(q, g, k) (proc[q].pte[g].kind == (k))
#define CLEAR(x, bit) x = (x & (255 - (bit)))

/* scratch: not part of the state vector */
hidden byte af_i, scg_i, gsp_i, ats_sl, dsc_sl, ffs_r, fsc_r, fsac_f, wcr_sc, wcr_r, wpc_olda, wpc_f, dwp_f,
            dwp_reuse, dsp_f, dsp_bits, dsp_sl, dsp_excl, dsp_w, dsp_r, dap_f, zap_kind, zap_a, zap_b,
            cpr_c, cpr_g, pte_bits, tu_q, tu_g, tuo_excl, tuo_bits, sfl_f, sfl_done, po_r, wa_v, ex_g, i_q;

/* ---- helpers (model/mm.cpp) ---------------------------------------------- */

/* alloc_folio: the lowest free folio id, allocated and uptodate */
inline alloc_folio(out) {
  out = NONE;
  for (af_i : 0 .. NFOLIO - 1) {
    if
    :: out == NONE && !FTEST(af_i, FOLIO_ALLOCATED) -> out = af_i
    :: else -> skip
    fi
  }
  assert(out != NONE);   /* OutOfCapacity: mmcheck would end incomplete */
  folio[out].flags = FOLIO_ALLOCATED | PG_uptodate;
  folio[out].excl = 0;
  folio[out].slot = 0;
  folio[out].content = 0
}

inline free_folio(f) {
  folio[f].flags = 0; folio[f].excl = 0; folio[f].slot = 0; folio[f].content = 0
}

inline folio_put_if_unused(f) {
  if
  :: FTEST(f, FOLIO_ALLOCATED) && FOLIO_REF_COUNT(f) == 0 -> free_folio(f)
  :: else -> skip
  fi
}

/* swap_cache_get_folio: the folio in the swap cache for slot sl, or NONE */
inline swap_cache_get_folio(sl, out) {
  out = NONE;
  for (scg_i : 0 .. NFOLIO - 1) {
    if
    :: out == NONE && FTEST(scg_i, FOLIO_ALLOCATED) && FTEST(scg_i, PG_swapcache) && folio[scg_i].slot == sl -> out = scg_i
    :: else -> skip
    fi
  }
}

#define SWAP_SLOT_FREE(sl) (slot[sl].count == 0 && slot[sl].cache == 0)

/* get_swap_page: the lowest free slot */
inline get_swap_page(out) {
  out = NONE;
  for (gsp_i : 0 .. NSLOT - 1) {
    if
    :: out == NONE && SWAP_SLOT_FREE(gsp_i) -> out = gsp_i
    :: else -> skip
    fi
  }
  assert(out != NONE)   /* swap full: OutOfCapacity */
}

/* swap_free: one reference fewer; a free slot forgets its data */
inline swap_free(sl) {
  if
  :: slot[sl].count > 0 -> slot[sl].count--
  :: else -> skip
  fi;
  if
  :: SWAP_SLOT_FREE(sl) -> slot[sl].content = 0
  :: else -> skip
  fi
}

inline delete_from_swap_cache(f) {
  dsc_sl = folio[f].slot;
  slot[dsc_sl].cache = 0;
  if
  :: SWAP_SLOT_FREE(dsc_sl) -> slot[dsc_sl].content = 0
  :: else -> skip
  fi;
  CLEAR(folio[f].flags, PG_swapcache);
  folio[f].slot = 0
}

/* folio_free_swap: leave the swap cache when nothing else needs the slot */
inline folio_free_swap(f, ret) {
  if
  :: !FTEST(f, PG_swapcache) || FTEST(f, PG_writeback) -> ret = 0
  :: else ->
     if
     :: slot[folio[f].slot].count > 0 -> ret = 0       /* folio_swapped */
     :: else ->
        delete_from_swap_cache(f);
        folio[f].flags = folio[f].flags | PG_dirty;     /* folio_set_dirty */
        ret = 1
     fi
  fi
}

inline free_swap_cache(f) {
  if
  :: FTEST(f, FOLIO_ALLOCATED) && FTEST(f, PG_swapcache) && FOLIO_MAPCOUNT(f) == 0 -> folio_free_swap(f, fsc_r)
  :: else -> skip
  fi
}

/* free_swap_and_cache_nr */
inline free_swap_and_cache(sl) {
  swap_free(sl);
  if
  :: slot[sl].count != 0 || slot[sl].cache == 0 -> skip
  :: else ->
     swap_cache_get_folio(sl, fsac_f);
     if
     :: fsac_f == NONE -> skip
     :: else ->
        if
        :: FTEST(fsac_f, PG_writeback) || FOLIO_MAPCOUNT(fsac_f) > 0 -> skip
        :: else ->
           delete_from_swap_cache(fsac_f);
           folio[fsac_f].flags = folio[fsac_f].flags | PG_dirty;
           folio_put_if_unused(fsac_f)
        fi
     fi
  fi
}

/* spin 6.5.2 cannot take a conditional expression (c -> a : b) as an inline
   argument (a syntax error, then a crash): computed bits go through pte_bits. */
inline set_pte(q, g, k, bt, fa, fb) {
  proc[q].pte[g].kind = k; proc[q].pte[g].bits = bt; proc[q].pte[g].a = fa; proc[q].pte[g].b = fb
}

/* ---- faults (model/fault.cpp) -------------------------------------------- */

/* do_anonymous_page: a read maps the zero page, a write a new exclusive folio */
inline do_anonymous_page(q, g, w) {
  if
  :: !w -> set_pte(q, g, PTE_PRESENT, 0, NONE, 0)      /* my_zero_pfn, read-only */
  :: else ->
     alloc_folio(dap_f);
     SET_VFLAGS(q, VFLAGS(q) | VMA_ANON_VMA);          /* anon_vma_prepare */
     folio[dap_f].flags = folio[dap_f].flags | PG_anon;
     folio[dap_f].excl = 1;                             /* RMAP_EXCLUSIVE */
     pte_bits = ((VFLAGS(q) & VM_WRITE) != 0 -> PTE_WRITE | PTE_MKDIRTY : 0);
     set_pte(q, g, PTE_PRESENT, pte_bits, dap_f, 0)
  fi
}

/* wp_page_copy (unshare = false): COW into a new exclusive folio */
inline wp_page_copy(q, g) {
  wpc_olda = proc[q].pte[g].a;
  alloc_folio(wpc_f);
  SET_VFLAGS(q, VFLAGS(q) | VMA_ANON_VMA);
  folio[wpc_f].flags = folio[wpc_f].flags | PG_anon;
  folio[wpc_f].excl = 1;
  folio[wpc_f].content = (wpc_olda == NONE -> 0 : folio[wpc_olda].content);
  set_pte(q, g, PTE_PRESENT, PTE_WRITE | PTE_MKDIRTY, wpc_f, 0);
  if
  :: wpc_olda != NONE ->
     free_swap_cache(wpc_olda);        /* page_copied */
     folio_put_if_unused(wpc_olda)
  :: else -> skip
  fi
}

/* wp_can_reuse_anon_folio (small folio) */
inline wp_can_reuse_anon_folio(f, r) {
  wcr_sc = (FTEST(f, PG_swapcache) -> 1 : 0);
  if
  :: FOLIO_REF_COUNT(f) > 1 + wcr_sc -> r = 0
  :: else ->
     if
     :: wcr_sc -> folio_free_swap(f, ffs_r)
     :: else -> skip
     fi;
     r = (FOLIO_REF_COUNT(f) == 1 -> 1 : 0)
  fi
}

/* do_wp_page (unshare = false) on a private anon PTE; no uffd-wp here */
inline do_wp_page(q, g) {
  if
  :: proc[q].pte[g].a == NONE -> wp_page_copy(q, g)   /* the zero page */
  :: else ->
     dwp_f = proc[q].pte[g].a;
     if
     :: (folio[dwp_f].excl & 1) != 0 -> dwp_reuse = 1   /* PageAnonExclusive */
     :: else -> wp_can_reuse_anon_folio(dwp_f, dwp_reuse)
     fi;
     if
     :: dwp_reuse ->
        folio[dwp_f].excl = folio[dwp_f].excl | 1;     /* SetPageAnonExclusive */
        proc[q].pte[g].bits = proc[q].pte[g].bits | PTE_WRITE | PTE_MKDIRTY   /* wp_page_reuse */
     :: else -> wp_page_copy(q, g)
     fi
  fi
}

/* do_swap_page: async device, so swapin_readahead puts a new folio in the swap cache */
inline do_swap_page(q, g, w) {
  dsp_bits = proc[q].pte[g].bits;
  dsp_sl = proc[q].pte[g].b;
  dsp_w = 0;
  swap_cache_get_folio(dsp_sl, dsp_f);
  if
  :: dsp_f == NONE ->
     alloc_folio(dsp_f);
     folio[dsp_f].flags = folio[dsp_f].flags | PG_anon | PG_swapcache;
     folio[dsp_f].content = slot[dsp_sl].content;      /* swap_read_folio */
     folio[dsp_f].slot = dsp_sl;
     slot[dsp_sl].cache = 1
  :: else -> skip
  fi;
  /* folio == swapcache; no SWP_STABLE_WRITES: exclusive = pte_swp_exclusive */
  dsp_excl = ((dsp_bits & PTE_SWP_EXCLUSIVE) != 0 -> 1 : 0);
  swap_free(dsp_sl);
  /* should_try_to_free_swap: a write fault, and the swap cache holds the only other reference */
  if
  :: w && FTEST(dsp_f, PG_swapcache) && FOLIO_REF_COUNT(dsp_f) == 1 -> folio_free_swap(dsp_f, dsp_r)
  :: else -> skip
  fi;
  if
  :: dsp_excl || FOLIO_REF_COUNT(dsp_f) == 0 ->
     /* !userfaultfd_pte_wp && !pte_needs_soft_dirty_wp (VM_SOFTDIRTY is set) */
     dsp_w = ((VFLAGS(q) & VM_WRITE) != 0 && !((VFLAGS(q) & VM_SOFTDIRTY) == 0 && (dsp_bits & PTE_SOFT_DIRTY) == 0) -> 1 : 0);
     dsp_excl = 1
  :: else -> skip
  fi;
  if
  :: dsp_excl -> folio[dsp_f].excl = folio[dsp_f].excl | 1
  :: else -> skip
  fi;
  pte_bits = (dsp_bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP)) | (dsp_w -> PTE_WRITE : 0) | ((dsp_w && w) -> PTE_MKDIRTY : 0);
  set_pte(q, g, PTE_PRESENT, pte_bits, dsp_f, 0);
  if
  :: w && !dsp_w -> do_wp_page(q, g)
  :: else -> skip
  fi
}

inline handle_mm_fault(q, g, w) {
  if
  :: PTE_IS(q, g, PTE_NONE) -> do_anonymous_page(q, g, w)
  :: PTE_IS(q, g, PTE_SWAP) -> do_swap_page(q, g, w)
  :: PTE_IS(q, g, PTE_PRESENT) && w && (proc[q].pte[g].bits & PTE_WRITE) == 0 -> do_wp_page(q, g)
  :: else -> skip
  fi
}

/* store_to_page */
inline store_to_page(q, g, v) {
  folio[proc[q].pte[g].a].content = v;
  folio[proc[q].pte[g].a].flags = folio[proc[q].pte[g].a].flags | PG_dirty;
  proc[q].pte[g].bits = proc[q].pte[g].bits | PTE_DIRTY;
  proc[q].ghost[g] = proc[q].ghost[g] | GHOST_WRITTEN;
  CLEAR(proc[q].ghost[g], GHOST_LAZYFREE);
  proc[q].expect[g] = v
}

/* ---- zap (model/zap.cpp) ----------------------------------------------- */

inline zap_one_pte(q, g) {
  zap_kind = proc[q].pte[g].kind;
  zap_a = proc[q].pte[g].a;
  zap_b = proc[q].pte[g].b;
  if
  :: zap_kind == PTE_PRESENT ->
     set_pte(q, g, PTE_NONE, 0, 0, 0);
     CLEAR(proc[q].ghost[g], GHOST_WP);       /* zap_install_uffd_wp_if_needed: anon */
     if
     :: zap_a != NONE -> free_swap_cache(zap_a); folio_put_if_unused(zap_a)
     :: else -> skip
     fi
  :: zap_kind == PTE_SWAP ->
     set_pte(q, g, PTE_NONE, 0, 0, 0);
     CLEAR(proc[q].ghost[g], GHOST_WP);
     free_swap_and_cache(zap_b)
  :: else -> skip
  fi;
  proc[q].expect[g] = 0;
  CLEAR(proc[q].ghost[g], GHOST_COWED)
}

/* ---- reclaim (model/reclaim.cpp) ----------------------------------------- */

inline add_to_swap(f) {
  get_swap_page(ats_sl);
  folio[f].flags = folio[f].flags | PG_swapcache | PG_dirty;
  folio[f].slot = ats_sl;
  slot[ats_sl].cache = 1
}

inline try_to_unmap_one(q, g, f) {
  if
  :: (proc[q].pte[g].bits & PTE_DIRTY) != 0 -> folio[f].flags = folio[f].flags | PG_dirty
  :: else -> skip
  fi;
  tuo_excl = folio[f].excl & 1;
  slot[folio[f].slot].count++;              /* swap_duplicate */
  CLEAR(folio[f].excl, tuo_excl);
  tuo_bits = (proc[q].pte[g].bits & (PTE_SOFT_DIRTY | PTE_UFFD_WP)) | (tuo_excl -> PTE_SWP_EXCLUSIVE : 0);
  set_pte(q, g, PTE_SWAP, tuo_bits, 0, folio[f].slot)
}

inline try_to_unmap(f) {
  for (tu_q : 0 .. NPROC - 1) {
    for (tu_g : 0 .. NPAGE - 1) {
      if
      :: ALIVE(tu_q) == PROC_ALIVE && PTE_IS(tu_q, tu_g, PTE_PRESENT) && proc[tu_q].pte[tu_g].a == f ->
         try_to_unmap_one(tu_q, tu_g, f)
      :: else -> skip
      fi
    }
  }
}

/* pageout -> swap_writeout -> __swap_writepage, async device */
inline pageout(f) {
  folio_free_swap(f, po_r);
  if
  :: po_r -> skip
  :: else ->
     CLEAR(folio[f].flags, PG_dirty);        /* folio_clear_dirty_for_io */
     if
     :: folio[f].content == 0 -> slot[folio[f].slot].content = 0   /* swap_zeromap_folio_set */
     :: else ->
        folio[f].flags = folio[f].flags | PG_writeback;
        slot[folio[f].slot].content = folio[f].content
     fi
  fi
}

inline remove_mapping_swapcache(f) {
  delete_from_swap_cache(f);
  free_folio(f)
}

/* shrink_folio_list for a small anon folio on the LRU, not under writeback, not pinned */
inline shrink_folio_list(f) {
  sfl_done = 0;
  if
  :: !FTEST(f, PG_swapcache) -> add_to_swap(f)
  :: else -> skip
  fi;
  if
  :: FOLIO_MAPCOUNT(f) > 0 -> try_to_unmap(f)
  :: else -> skip
  fi;
  if
  :: FTEST(f, PG_dirty) ->
     pageout(f);
     if
     :: !FTEST(f, PG_swapcache) -> folio_put_if_unused(f); sfl_done = 1
     :: else -> skip
     fi
  :: else -> skip
  fi;
  if
  :: !sfl_done && !FTEST(f, PG_writeback) && !FTEST(f, PG_dirty) -> remove_mapping_swapcache(f)
  :: else -> skip
  fi
}

/* ---- fork (model/fork.cpp) ----------------------------------------------- */

inline copy_page_range(q) {
  cpr_c = NONE;
  for (i_q : 0 .. NPROC - 1) {
    if
    :: cpr_c == NONE && ALIVE(i_q) == PROC_UNUSED -> cpr_c = i_q
    :: else -> skip
    fi
  }
  assert(cpr_c != NONE);   /* no free process slot: OutOfCapacity */
  proc[cpr_c].parent = q;
  SET_VFLAGS(cpr_c, VFLAGS(q));      /* dst = src: no VM_LOCKED, no uffd registration here */
  for (cpr_g : 0 .. NPAGE - 1) {
    proc[cpr_c].expect[cpr_g] = proc[q].expect[cpr_g];
    proc[cpr_c].ghost[cpr_g] = proc[q].ghost[cpr_g] & (GHOST_COWED | GHOST_WRITTEN | GHOST_SD_BLIND | GHOST_LAZYFREE | GHOST_GUARD);
    set_pte(cpr_c, cpr_g, PTE_NONE, 0, 0, 0);
    if
    :: (VFLAGS(q) & VMA_ANON_VMA) != 0 ->        /* vma_needs_copy */
       if
       :: PTE_IS(q, cpr_g, PTE_PRESENT) ->      /* copy_present_pte */
          if
          :: proc[q].pte[cpr_g].a != NONE -> CLEAR(folio[proc[q].pte[cpr_g].a].excl, 1)   /* shared with the child */
          :: else -> skip
          fi;
          CLEAR(proc[q].pte[cpr_g].bits, PTE_WRITE);   /* is_cow_mapping: wrprotect both */
          pte_bits = proc[q].pte[cpr_g].bits & (255 - PTE_UFFD_WP);
          set_pte(cpr_c, cpr_g, PTE_PRESENT, pte_bits, proc[q].pte[cpr_g].a, proc[q].pte[cpr_g].b)
       :: PTE_IS(q, cpr_g, PTE_SWAP) ->         /* copy_nonpresent_pte */
          slot[proc[q].pte[cpr_g].b].count++;    /* swap_duplicate */
          CLEAR(proc[q].pte[cpr_g].bits, PTE_SWP_EXCLUSIVE);
          pte_bits = proc[q].pte[cpr_g].bits & (255 - PTE_UFFD_WP);
          set_pte(cpr_c, cpr_g, PTE_SWAP, pte_bits, proc[q].pte[cpr_g].a, proc[q].pte[cpr_g].b)
       :: else -> skip
       fi
    :: else -> skip
    fi
  }
  SET_ALIVE(cpr_c, PROC_ALIVE)
}

/* ---- exit (model/zap.cpp exit_mmap) -------------------------------------- */

inline exit_mmap(q) {
  for (ex_g : 0 .. NPAGE - 1) {
    zap_one_pte(q, ex_g);          /* unmap_vma */
    proc[q].ghost[ex_g] = 0
  }
  /* Process exited{}: only alive and parent stay */
  SET_VFLAGS(q, 0);
  for (ex_g : 0 .. NPAGE - 1) {
    set_pte(q, ex_g, PTE_NONE, 0, 0, 0);
    proc[q].expect[ex_g] = 0;
    proc[q].ghost[ex_g] = 0
  }
  SET_ALIVE(q, PROC_EXITED)
}

/* ---- the events: guard (enabled and not a no-op) -> effect ------------------ */

#define RUNNING(q) (ALIVE(q) == PROC_ALIVE)

/* read: a fault only when the PTE is not present (otherwise a no-op) */
#define READ_EV(q, g) \
  :: d_step { RUNNING(q) && READ_BUDGET && !PTE_IS(q, g, PTE_PRESENT) -> handle_mm_fault(q, g, 0); READ_TAKE }

/* write of next_write_value: always changes expect */
#define WRITE_EV(q, g) \
  :: d_step { RUNNING(q) && WRITE_BUDGET -> \
       wa_v = proc[q].expect[g] % MAX_VALUE + 1; \
       if \
       :: !(PTE_IS(q, g, PTE_PRESENT) && (proc[q].pte[g].bits & PTE_WRITE) != 0) -> handle_mm_fault(q, g, 1) \
       :: else -> skip \
       fi; \
       assert(PTE_IS(q, g, PTE_PRESENT) && (proc[q].pte[g].bits & PTE_WRITE) != 0); \
       store_to_page(q, g, wa_v); WRITE_TAKE }

#define FORK_EV(q) \
  :: d_step { RUNNING(q) && FORK_BUDGET -> copy_page_range(q); FORK_TAKE }

/* MADV_PAGEOUT: a no-op unless a folio mapped once, not under writeback */
#define PAGEOUT_EV(q, g) \
  :: d_step { RUNNING(q) && PAGEOUT_BUDGET && PTE_IS(q, g, PTE_PRESENT) && proc[q].pte[g].a != NONE && \
              FOLIO_MAPCOUNT(proc[q].pte[g].a) == 1 && !FTEST(proc[q].pte[g].a, PG_writeback) -> \
       sfl_f = proc[q].pte[g].a; shrink_folio_list(sfl_f); PAGEOUT_TAKE }

/* MADV_DONTNEED: a no-op on a none PTE with nothing to forget */
#define DONTNEED_EV(q, g) \
  :: d_step { RUNNING(q) && (!PTE_IS(q, g, PTE_NONE) || proc[q].expect[g] != 0 || (proc[q].ghost[g] & GHOST_COWED) != 0) -> \
       zap_one_pte(q, g) }

#define EXIT_EV(q) \
  :: d_step { RUNNING(q) -> exit_mmap(q) }

#define WRITEBACK_EV(f) \
  :: d_step { FTEST(f, PG_writeback) -> CLEAR(folio[f].flags, PG_writeback) }

/* swapcache_drop: __remove_mapping of a clean unmapped folio, or folio_free_swap of a mapped one */
#define SWAPCACHE_DROP_EV(f) \
  :: d_step { FTEST(f, FOLIO_ALLOCATED) && FTEST(f, PG_swapcache) && !FTEST(f, PG_writeback) && \
              ((FOLIO_MAPCOUNT(f) == 0 && !FTEST(f, PG_dirty)) || (FOLIO_MAPCOUNT(f) > 0 && slot[folio[f].slot].count == 0)) -> \
       if \
       :: FOLIO_MAPCOUNT(f) == 0 -> remove_mapping_swapcache(f) \
       :: else -> folio_free_swap(f, ffs_r) \
       fi }

#define RECLAIM_EV(f) \
  :: d_step { FTEST(f, FOLIO_ALLOCATED) && !FTEST(f, PG_writeback) -> shrink_folio_list(f) }

