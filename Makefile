# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt tools/dask-grading.yaml | cksum | cut -d' ' -f1)
# nbgrader calls `alembic`, and kernels resolve `python3`, from PATH: this environment's come first.
export PATH := $(abspath $(VENV))/bin:$(PATH)

# Where the banknote data comes from: the shared verified copy when it sits beside the checkout,
# otherwise the real download (cache, then URL, checked against the sha256).
SHARED_BANKNOTE := $(wildcard ../shared/data/banknote/data_banknote_authentication.txt)
ifneq ($(SHARED_BANKNOTE),)
export BANKNOTE_DATA_DIR ?= $(abspath ../shared/data/banknote)
endif

.PHONY: demo test test-fast bench bench-cluster bench-serve bench-ref release notebooks venv sandbox browser postgres clean-grading

venv: $(STAMP)

# bubblewrap, the kernel sandbox, installed where this machine allows it (root with apt-get); elsewhere
# `grade` refuses to run, the demo says so in a banner, and the tests about isolation are skipped
sandbox:
	@tools/system-packages.sh bubblewrap

# Debian's Chromium for the browser tests (never a downloaded browser); skipped, with the reason, without it
browser:
	@tools/system-packages.sh chromium

# Debian's PostgreSQL server binaries, for the throw-away gradebook server of the cluster tests and bench-cluster;
# the tests that need it are skipped, with the reason, without it
postgres:
	@tools/system-packages.sh postgresql

# the environment, and the Dask settings for grading that every Dask process started from it reads
$(STAMP): requirements.txt tools/dask-grading.yaml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	mkdir -p $(VENV)/etc/dask && cp tools/dask-grading.yaml $(VENV)/etc/dask/autograder-grading.yaml
	rm -f $(VENV)/.installed-*
	touch $@

demo: $(STAMP) sandbox
	$(PY) -m autograder demo

# Two passes. First the test files that grade in kernels (those that make a course to grade: KERNEL_FILES), all but
# their starving tests, over TEST_WORKERS pytest-xdist workers (more than the cores: the kernels often wait, on a
# time limit, a sleep or another class), a file per worker at a time (module fixtures grade a class once), the
# longest first (conftest.py). Then the starving tests, which cap their own processes to a tenth of a CPU
# (e2e.starving) and mostly wait, with the in-process files on the free cores beside them (tools/second_pass.py).
# Both passes run; the target fails if either does.
TEST_WORKERS ?= 3
# One thread per math library in every test process and kernel: the workers already keep the cores busy, and
# pools sized for the whole machine spin while they wait for each other (a fresh clone's make test: 11:15 and
# 1,260 CPU-seconds with these, 12:08 and 1,368 without; the stored demo grades are the same either way)
TEST_THREADS := TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  MKL_NUM_THREADS=1
KERNEL_FILES := $(shell grep -l -E 'copy_course|graded_course|graded_class|make_course|live_course|cli\.main' grader_tests/test_*.py)
IN_PROCESS_FILES := $(filter-out $(KERNEL_FILES),$(wildcard grader_tests/test_*.py))
STARVING_FILES := $(shell grep -l -E 'mark\.starving|\bstarved\b' grader_tests/test_*.py)
# Python may keep its compiled modules (a shell that sets PYTHONDONTWRITEBYTECODE would have every test process,
# grading worker template and command compile the engine again, about a CPU-second each), compiled once up front
TEST_BYTECODE := PYTHONDONTWRITEBYTECODE=
test: $(STAMP) sandbox browser postgres
	@status=0; \
	$(TEST_BYTECODE) $(PY) -m compileall -q autograder reference_impl grader_tests tools > /dev/null || status=$$?; \
	$(TEST_BYTECODE) $(TEST_THREADS) $(PY) -m pytest $(KERNEL_FILES) -m "not starving" -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
	  --durations=15 || status=$$?; \
	$(TEST_BYTECODE) $(TEST_THREADS) $(PY) tools/second_pass.py $(STARVING_FILES) -- $(IN_PROCESS_FILES) -- --durations=5 || status=$$?; \
	exit $$status

# the suite without the tests marked slow (whole-class grading runs)
test-fast: $(STAMP) sandbox
	$(PY) -m pytest grader_tests -m "not slow" -n auto

# time grading a synthetic class: nbgrader's serial loop, the parallel runner, bare execution
bench: $(STAMP) sandbox
	$(PY) -m autograder bench

# grading on a local Dask cluster (a scheduler and 2 single-threaded workers, separate processes, a throw-away
# PostgreSQL gradebook) against the local runner on the same cores: one JSON line (docs/grading-a-class.md)
bench-cluster: $(STAMP) sandbox postgres
	$(PY) -m autograder.bench_cluster

# live feedback: N students (real OS users, made and removed by it; needs root) submit at once to
# `python -m autograder serve`; one JSON line per N with p50/p95/max submit-to-feedback latency and throughput
BENCH_SERVE_ASSIGNMENT ?= 01_forward_pass
BENCH_SERVE_STUDENTS ?= 1 40
bench-serve: $(STAMP) sandbox
	$(PY) bench/bench_serve.py --assignment $(BENCH_SERVE_ASSIGNMENT) --students $(BENCH_SERVE_STUDENTS)

bench-ref: $(STAMP)
	$(PY) bench/bench_reference.py

# regenerate release/ from source/ (commit the result)
release: $(STAMP)
	$(PY) -m autograder release

# rebuild the source notebooks from their scripts (then `make release`)
notebooks: $(STAMP)
	cd tools && for f in build_*.py; do ../$(PY) $$f || exit 1; done

clean-grading:
	rm -rf submitted autograded feedback gradebook.db reports grades.csv .autograder
