# replay: keypress
# The GDB walkthrough of docs/gdb.md: the kernel's own stub, attached while the kernel
# replays the keypress golden case, follows the A key from its interrupt stub to the
# keyboard task. tools/docs.py runs it; docs/gdb.md shows the transcript.
info threads
break isr_stub_33
continue
x/3i $pc
stepi
stepi
stepi
info registers rip rsp
break keyboard_input
continue
bt
print/x scancode
info threads
lockstep-trace 3
delete
detach
