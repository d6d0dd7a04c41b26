# pytest tests of the Python package (tests/python/test_*.py): one ctest entry per file, run with the
# interpreter the module was built for, against the package staged in <build>/python. pytest's own exit
# status is the result (5 = nothing collected is a failure too); each entry has its own --basetemp so
# parallel entries do not clean up each other's temporary directories.
if(MDRUN_HAVE_PYTHON_MODULE)
  file(GLOB MDRUN_PYTEST_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/python/test_*.py)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/pytest)  # pytest needs the parent of --basetemp
  foreach(src ${MDRUN_PYTEST_FILES})
    get_filename_component(name ${src} NAME_WE)
    add_test(NAME python.${name}
             COMMAND ${Python_EXECUTABLE} -m pytest -q -rfEs -p no:cacheprovider
                     --basetemp=${CMAKE_BINARY_DIR}/pytest/${name} ${src})
    set_tests_properties(python.${name} PROPERTIES
      ENVIRONMENT "${MDRUN_TEST_ENV};PYTHONPATH=${MDRUN_PYTHON_STAGE_DIR};MDRUN_PYTEST_MIN_TESTS=1;MPLBACKEND=Agg;OMP_NUM_THREADS=2"
      WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/python)
  endforeach()
elseif(NOT MDRUN_PYTHON_MODULE STREQUAL "OFF")
  # Not silently skipped: the module was wanted (AUTO) but could not be built.
  add_test(NAME python.module_not_built COMMAND sh -c
           "echo 'the Python module was not built (pybind11-dev or python3-dev missing: run scripts/setup.sh, or configure with -DMDRUN_PYTHON_MODULE=OFF)'; exit 1")
endif()

# `pip install .` in a fresh venv (needs PyPI for scikit-build-core and builds everything again: minutes).
# On in CI (scripts/test.sh), off by default for developers' builds.
option(MDRUN_TEST_PIP_INSTALL "ctest entry python.pip_install: pip install . into a venv and use it" OFF)
if(MDRUN_TEST_PIP_INSTALL)
  add_test(NAME python.pip_install
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/python/pip_install_check.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/pip-check)
  set_tests_properties(python.pip_install PROPERTIES TIMEOUT 1500 ENVIRONMENT "OMP_WAIT_POLICY=passive")
endif()
