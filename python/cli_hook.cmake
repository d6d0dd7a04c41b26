# `mdrun plot` (engine/cli/plot_cmd.cpp) runs `python3 -m mdrun.plot`; it needs to know where the package is:
# the staged copy in the build tree and the `cmake --install` location, and the interpreter it was built for.
# Set on that one source file only, so no other file's compile command changes.
set(_mdrun_plot_defs "MDRUN_BUILD_BIN_DIR=\"${CMAKE_BINARY_DIR}\"")
if(MDRUN_HAVE_PYTHON_MODULE)
  list(APPEND _mdrun_plot_defs "MDRUN_PY_STAGE_DIR=\"${MDRUN_PYTHON_STAGE_DIR}\""
       "MDRUN_PY_INSTALLED_DIR=\"${MDRUN_PYTHON_INSTALLED_DIR}\"" "MDRUN_PY_INTERPRETER=\"${Python_EXECUTABLE}\"")
endif()
set_source_files_properties(${CMAKE_SOURCE_DIR}/engine/cli/plot_cmd.cpp PROPERTIES COMPILE_DEFINITIONS "${_mdrun_plot_defs}")
# A wheel (pip install .) carries the command-line programs too, in the environment's bin/, with the HDF5
# plugin next to them (the first place mdrun looks for it: engine/cli/h5_plugin_loader.cpp).
if(SKBUILD)
  install(TARGETS ${MDRUN_PROGRAMS} RUNTIME DESTINATION "${SKBUILD_SCRIPTS_DIR}" COMPONENT python)
  install(TARGETS mdrun_h5 LIBRARY DESTINATION "${SKBUILD_SCRIPTS_DIR}" COMPONENT python)
endif()
